# ALVARO CASTRO RUBIO - VC P3 (ejercicios 1 y 2)
import numpy as np
from keras.datasets import cifar100
from keras.utils import np_utils
from keras.models import Sequential, load_model
from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization
from keras.optimizers import Adam
from keras.preprocessing.image import ImageDataGenerator
from sklearn.model_selection import train_test_split

BATCH = 32

(x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode='fine')
idx = np.where(y_train < 25)[0]
x_train, y_train = x_train[idx].astype('float32') / 255, np_utils.to_categorical(y_train[idx], 25)
idx = np.where(y_test < 25)[0]
x_test, y_test = x_test[idx].astype('float32') / 255, np_utils.to_categorical(y_test[idx], 25)
x_tr, x_val, y_tr, y_val = train_test_split(x_train, y_train, test_size=0.1)

datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
datagen.fit(x_tr)
train_gen = datagen.flow(x_tr, y_tr, batch_size=BATCH)
val_gen = datagen.flow(x_val, y_val, batch_size=BATCH)
test_gen = datagen.flow(x_test, y_test, batch_size=BATCH, shuffle=False)

opt = Adam(lr=0.001)  # el mismo optimizador para los dos modelos

# ------------------------------- BaseNet --------------------------------
basenet = Sequential()
basenet.add(Conv2D(6, (5, 5), activation='relu', input_shape=(32, 32, 3)))
basenet.add(MaxPooling2D(pool_size=(2, 2)))
basenet.add(Conv2D(16, (5, 5), activation='relu'))
basenet.add(MaxPooling2D(pool_size=(2, 2)))
basenet.add(Flatten())
basenet.add(Dense(50, activation='relu'))
basenet.add(Dense(25, activation='softmax'))
basenet.compile(loss='categorical_crossentropy', optimizer=opt, metrics=['accuracy'])
basenet.fit_generator(generator=train_gen, steps_per_epoch=len(x_tr) // BATCH, epochs=25,
                      validation_data=val_gen, validation_steps=len(x_val) // BATCH,
                      workers=4, use_multiprocessing=True)
basenet.save('basenet.h5')
score = basenet.evaluate_generator(generator=test_gen, steps=len(x_test) // BATCH)
print('BaseNet test loss/acc:', score)

# ------------------------------ BaseNet++ -------------------------------
model = Sequential()
model.add(Conv2D(32, (3, 3), padding='same', activation='relu', input_shape=(32, 32, 3)))
model.add(BatchNormalization())
model.add(Conv2D(32, (3, 3), padding='same', activation='relu'))
model.add(BatchNormalization())
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.2))
model.add(Conv2D(64, (3, 3), padding='same', activation='relu'))
model.add(BatchNormalization())
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.3))
model.add(Flatten())
model.add(Dense(128, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(25, activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer=opt, metrics=['accuracy'])
model.fit_generator(generator=train_gen, steps_per_epoch=len(x_tr) // BATCH, epochs=50,
                    validation_data=val_gen, validation_steps=len(x_val) // BATCH)
model.save('mejorada.h5')

mejor = load_model('mejorada.h5')
clases = mejor.predict_classes(datagen.standardize(x_test.copy()))
print('BaseNet++ test acc:', np.mean(clases == np.argmax(y_test, axis=1)))
