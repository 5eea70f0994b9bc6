"""Segundos de CPU (y de reloj) por época de BaseNet según la entrada de `fit`.

En una máquina virtual compartida el tiempo de reloj varía el doble de una época a otra (CPU robada); el
tiempo de CPU del proceso no. Compara, lado a lado: tensores en memoria sin aumento, `pipeline_desde_arrays`
sin normalizar, `ImageDataGenerator.flow` solo normalizando y `getNormalizedData` (normalización y aumento).
12.500 imágenes 32×32×3, lotes de 64, mediana de las épocas 2 a 4, dos rondas.

Uso: python benchmarks/cpu_entrenamiento.py
"""
import os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import numpy as np, tensorflow as tf, keras
from datos import getNormalizedData, ImageDataGenerator
from datos.pipelines import pipeline_desde_arrays
from modelos import getBaseNet
from utilidades import compileModel
rng=np.random.default_rng(0)
x=rng.random((12500,32,32,3),dtype=np.float32); y=np.eye(25,dtype=np.float32)[rng.integers(0,25,12500)]
it_aug,_,_=getNormalizedData(x,y,64,x[:10],semilla=0)
n=sum(int(a.shape[0]) for a,_ in it_aug)
gen=ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True).fit(x)
it_norm=gen.flow(x[:n],y[:n],64,seed=0)
it_plain=pipeline_desde_arrays(x[:n],y[:n],64,barajar=True,semilla=0)
xt=tf.constant(x[:n]); yt=tf.constant(y[:n])
class C(keras.callbacks.Callback):
    def on_epoch_begin(s,e,l=None): s.t=time.perf_counter(); s.c=time.process_time()
    def on_epoch_end(s,e,l=None): s.r.append((time.perf_counter()-s.t, time.process_time()-s.c))
    def on_train_begin(s,l=None): s.r=[]
def medir(ent):
    keras.utils.set_random_seed(0); m=getBaseNet(25); compileModel(m); c=C()
    if isinstance(ent,tuple): m.fit(*ent,batch_size=64,epochs=4,verbose=0,callbacks=[c])
    else: m.fit(ent,epochs=4,verbose=0,callbacks=[c])
    w=np.median([a for a,_ in c.r[1:]]); cpu=np.median([b for _,b in c.r[1:]]); return w,cpu
for rep in range(2):
    for nombre,ent in (("memoria",(xt,yt)),("plain",it_plain),("norm",it_norm),("aug",it_aug)):
        w,cpu=medir(ent); print(rep,nombre,f"wall {w:.2f}s cpu {cpu:.2f}s  {n/w:.0f} img/s", flush=True)
