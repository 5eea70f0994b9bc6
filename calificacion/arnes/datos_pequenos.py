"""Datos pequeños con el formato de los de verdad, para ejecutar una entrega en segundos.

- CIFAR-100 (§2 y §3): 500 imágenes de entrenamiento y 100 de test, etiquetas finas 0–24 (20 y 4 por
  clase: admite un 10 % estratificado). Las da `keras.datasets.cifar100.load_data` (sustituida en el
  arnés) y están también en archivos con el formato oficial (`cifar-100-python/{train,test,meta}` y su
  `.tar.gz`) para quien los lea con `pickle`.
- Pájaros de Caltech-UCSD (§4): las 200 especies con `POR_CLASE_TRAIN` imágenes de entrenamiento y
  `POR_CLASE_TEST` de test cada una, JPEG de tamaños variados (120–320 × 100–280), con `train.txt` y
  `test.txt` (una ruta relativa `NNN.Especie/archivo.jpg` por línea) y el `imagenes.zip` del enunciado.
  Con 10 por especie, un `train_test_split(..., test_size=0.1, stratify=y)` funciona igual que con los
  datos del curso (20 por especie en validación como mínimo: sklearn pide al menos una por clase).

Las imágenes son bloques suaves de 4×4 píxeles (como fotos, no ruido): el aumento de datos (zoom, giros)
no cambia sus estadísticas. Las de entrenamiento y test de CIFAR tienen medias distintas, que delatan con
qué estadísticas se normalizó el test (`estadisticas_cifar`).

Lo usan el arnés (dentro del aislamiento, solo con NumPy) y el calificador (`escribir_datos`, con
Pillow, una vez por clase).
"""

import io
import os
import pickle
import tarfile
import zipfile

N_TRAIN, N_TEST = 500, 100
CLASES_CIFAR, CLASES_PAJAROS = 25, 200
POR_CLASE_TRAIN, POR_CLASE_TEST = 10, 1
CARPETA_PAJAROS = "imagenes"  # como en el enunciado: imagenes.zip con train.txt, test.txt y las especies
_RANGO_TRAIN, _RANGO_TEST = (51, 204), (128, 230)  # valores (uint8) de las imágenes de CIFAR


# Las 200 especies de CUB-200, con sus nombres de carpeta: el código de un estudiante (o un archivo suyo) puede
# nombrarlas.
_ESPECIES = (
    "Black_footed_Albatross",
    "Laysan_Albatross",
    "Sooty_Albatross",
    "Groove_billed_Ani",
    "Crested_Auklet",
    "Least_Auklet",
    "Parakeet_Auklet",
    "Rhinoceros_Auklet",
    "Brewer_Blackbird",
    "Red_winged_Blackbird",
    "Rusty_Blackbird",
    "Yellow_headed_Blackbird",
    "Bobolink",
    "Indigo_Bunting",
    "Lazuli_Bunting",
    "Painted_Bunting",
    "Cardinal",
    "Spotted_Catbird",
    "Gray_Catbird",
    "Yellow_breasted_Chat",
    "Eastern_Towhee",
    "Chuck_will_Widow",
    "Brandt_Cormorant",
    "Red_faced_Cormorant",
    "Pelagic_Cormorant",
    "Bronzed_Cowbird",
    "Shiny_Cowbird",
    "Brown_Creeper",
    "American_Crow",
    "Fish_Crow",
    "Black_billed_Cuckoo",
    "Mangrove_Cuckoo",
    "Yellow_billed_Cuckoo",
    "Gray_crowned_Rosy_Finch",
    "Purple_Finch",
    "Northern_Flicker",
    "Acadian_Flycatcher",
    "Great_Crested_Flycatcher",
    "Least_Flycatcher",
    "Olive_sided_Flycatcher",
    "Scissor_tailed_Flycatcher",
    "Vermilion_Flycatcher",
    "Yellow_bellied_Flycatcher",
    "Frigatebird",
    "Northern_Fulmar",
    "Gadwall",
    "American_Goldfinch",
    "European_Goldfinch",
    "Boat_tailed_Grackle",
    "Eared_Grebe",
    "Horned_Grebe",
    "Pied_billed_Grebe",
    "Western_Grebe",
    "Blue_Grosbeak",
    "Evening_Grosbeak",
    "Pine_Grosbeak",
    "Rose_breasted_Grosbeak",
    "Pigeon_Guillemot",
    "California_Gull",
    "Glaucous_winged_Gull",
    "Heermann_Gull",
    "Herring_Gull",
    "Ivory_Gull",
    "Ring_billed_Gull",
    "Slaty_backed_Gull",
    "Western_Gull",
    "Anna_Hummingbird",
    "Ruby_throated_Hummingbird",
    "Rufous_Hummingbird",
    "Green_Violetear",
    "Long_tailed_Jaeger",
    "Pomarine_Jaeger",
    "Blue_Jay",
    "Florida_Jay",
    "Green_Jay",
    "Dark_eyed_Junco",
    "Tropical_Kingbird",
    "Gray_Kingbird",
    "Belted_Kingfisher",
    "Green_Kingfisher",
    "Pied_Kingfisher",
    "Ringed_Kingfisher",
    "White_breasted_Kingfisher",
    "Red_legged_Kittiwake",
    "Horned_Lark",
    "Pacific_Loon",
    "Mallard",
    "Western_Meadowlark",
    "Hooded_Merganser",
    "Red_breasted_Merganser",
    "Mockingbird",
    "Nighthawk",
    "Clark_Nutcracker",
    "White_breasted_Nuthatch",
    "Baltimore_Oriole",
    "Hooded_Oriole",
    "Orchard_Oriole",
    "Scott_Oriole",
    "Ovenbird",
    "Brown_Pelican",
    "White_Pelican",
    "Western_Wood_Pewee",
    "Sayornis",
    "American_Pipit",
    "Whip_poor_Will",
    "Horned_Puffin",
    "Common_Raven",
    "White_necked_Raven",
    "American_Redstart",
    "Geococcyx",
    "Loggerhead_Shrike",
    "Great_Grey_Shrike",
    "Baird_Sparrow",
    "Black_throated_Sparrow",
    "Brewer_Sparrow",
    "Chipping_Sparrow",
    "Clay_colored_Sparrow",
    "House_Sparrow",
    "Field_Sparrow",
    "Fox_Sparrow",
    "Grasshopper_Sparrow",
    "Harris_Sparrow",
    "Henslow_Sparrow",
    "Le_Conte_Sparrow",
    "Lincoln_Sparrow",
    "Nelson_Sharp_tailed_Sparrow",
    "Savannah_Sparrow",
    "Seaside_Sparrow",
    "Song_Sparrow",
    "Tree_Sparrow",
    "Vesper_Sparrow",
    "White_crowned_Sparrow",
    "White_throated_Sparrow",
    "Cape_Glossy_Starling",
    "Bank_Swallow",
    "Barn_Swallow",
    "Cliff_Swallow",
    "Tree_Swallow",
    "Scarlet_Tanager",
    "Summer_Tanager",
    "Artic_Tern",
    "Black_Tern",
    "Caspian_Tern",
    "Common_Tern",
    "Elegant_Tern",
    "Forsters_Tern",
    "Least_Tern",
    "Green_tailed_Towhee",
    "Brown_Thrasher",
    "Sage_Thrasher",
    "Black_capped_Vireo",
    "Blue_headed_Vireo",
    "Philadelphia_Vireo",
    "Red_eyed_Vireo",
    "Warbling_Vireo",
    "White_eyed_Vireo",
    "Yellow_throated_Vireo",
    "Bay_breasted_Warbler",
    "Black_and_white_Warbler",
    "Black_throated_Blue_Warbler",
    "Blue_winged_Warbler",
    "Canada_Warbler",
    "Cape_May_Warbler",
    "Cerulean_Warbler",
    "Chestnut_sided_Warbler",
    "Golden_winged_Warbler",
    "Hooded_Warbler",
    "Kentucky_Warbler",
    "Magnolia_Warbler",
    "Mourning_Warbler",
    "Myrtle_Warbler",
    "Nashville_Warbler",
    "Orange_crowned_Warbler",
    "Palm_Warbler",
    "Pine_Warbler",
    "Prairie_Warbler",
    "Prothonotary_Warbler",
    "Swainson_Warbler",
    "Tennessee_Warbler",
    "Wilson_Warbler",
    "Worm_eating_Warbler",
    "Yellow_Warbler",
    "Northern_Waterthrush",
    "Louisiana_Waterthrush",
    "Bohemian_Waxwing",
    "Cedar_Waxwing",
    "American_Three_toed_Woodpecker",
    "Pileated_Woodpecker",
    "Red_bellied_Woodpecker",
    "Red_cockaded_Woodpecker",
    "Red_headed_Woodpecker",
    "Downy_Woodpecker",
    "Bewick_Wren",
    "Cactus_Wren",
    "Carolina_Wren",
    "House_Wren",
    "Marsh_Wren",
    "Rock_Wren",
    "Winter_Wren",
    "Common_Yellowthroat",
)


def datos_cifar(np):
    """`((x_train, y_train), (x_test, y_test))` con el formato de `cifar100.load_data(label_mode="fine")`."""
    rng = np.random.default_rng(7)

    def imagenes(n, rango):
        bloques = rng.integers(rango[0], rango[1] + 1, size=(n, 8, 8, 3)).astype("uint8")
        return bloques.repeat(4, axis=1).repeat(4, axis=2)

    x_train, x_test = imagenes(N_TRAIN, _RANGO_TRAIN), imagenes(N_TEST, _RANGO_TEST)
    y_train = (np.arange(N_TRAIN) % CLASES_CIFAR).reshape(-1, 1).astype("int64")
    y_test = (np.arange(N_TEST) % CLASES_CIFAR).reshape(-1, 1).astype("int64")
    return (x_train, y_train), (x_test, y_test)


def estadisticas_cifar():
    """`(media, desviación)` de entrenamiento y de test de `datos_cifar`, en la escala [0, 1]."""
    import numpy as np

    (x_train, _), (x_test, _) = datos_cifar(np)
    return (x_train.mean() / 255, x_train.std() / 255), (x_test.mean() / 255, x_test.std() / 255)


def especies():
    """Los nombres de las 200 carpetas, de `001.Black_footed_Albatross` a `200.Common_Yellowthroat`."""
    return [f"{k:03d}.{nombre}" for k, nombre in enumerate(_ESPECIES, start=1)]


def listas_pajaros():
    """`{"train": [...], "test": [...]}`: las rutas relativas de cada partición, en el orden de sus archivos."""
    listas = {"train": [], "test": []}
    for especie in especies():
        nombre = especie.split(".", 1)[1]
        for k in range(POR_CLASE_TRAIN + POR_CLASE_TEST):
            particion = "train" if k < POR_CLASE_TRAIN else "test"
            listas[particion].append(f"{especie}/{nombre}_{k + 1:04d}.jpg")
    return listas


def escribir_datos(carpeta):
    """Escribe en `carpeta` los archivos de los datos pequeños; devuelve la carpeta.

    `cifar-100-python/` y `cifar-100-python.tar.gz`; `imagenes/` (los pájaros con `train.txt` y `test.txt`)
    e `imagenes.zip` con lo mismo. Tarda unos segundos: el calificador lo hace una vez por clase.
    """
    import numpy as np

    os.makedirs(carpeta, exist_ok=True)
    _escribir_cifar(carpeta, np)
    _escribir_pajaros(os.path.join(carpeta, CARPETA_PAJAROS), np)
    with zipfile.ZipFile(os.path.join(carpeta, CARPETA_PAJAROS + ".zip"), "w", zipfile.ZIP_STORED) as archivo:
        raiz = os.path.join(carpeta, CARPETA_PAJAROS)
        for actual, carpetas, nombres in os.walk(raiz):
            carpetas.sort()
            for nombre in sorted(nombres):
                ruta = os.path.join(actual, nombre)
                archivo.write(ruta, os.path.join(CARPETA_PAJAROS, os.path.relpath(ruta, raiz)))
    return carpeta


def _escribir_cifar(carpeta, np):
    (x_train, y_train), (x_test, y_test) = datos_cifar(np)
    binarios = {}
    for particion, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        finas = [int(v) for v in y[:, 0]]
        binarios[particion] = pickle.dumps(
            {
                b"filenames": [f"{particion}_{i}.png".encode() for i in range(len(x))],
                b"batch_label": f"{particion} batch".encode(),
                b"fine_labels": finas,
                b"coarse_labels": [c // 5 for c in finas],
                b"data": x.transpose(0, 3, 1, 2).reshape(len(x), 3072),  # CHW por fila, como el oficial
            },
            protocol=2,
        )
    binarios["meta"] = pickle.dumps(
        {
            b"fine_label_names": [f"clase_{i}".encode() for i in range(100)],
            b"coarse_label_names": [f"superclase_{i}".encode() for i in range(20)],
        },
        protocol=2,
    )
    os.makedirs(os.path.join(carpeta, "cifar-100-python"), exist_ok=True)
    with tarfile.open(os.path.join(carpeta, "cifar-100-python.tar.gz"), "w:gz") as tar:
        for nombre, binario in binarios.items():
            with open(os.path.join(carpeta, "cifar-100-python", nombre), "wb") as f:
                f.write(binario)
            info = tarfile.TarInfo(f"cifar-100-python/{nombre}")
            info.size = len(binario)
            tar.addfile(info, io.BytesIO(binario))


def _escribir_pajaros(raiz, np):
    from PIL import Image

    rng = np.random.default_rng(2010)
    listas = listas_pajaros()
    for ruta in listas["train"] + listas["test"]:
        os.makedirs(os.path.join(raiz, os.path.dirname(ruta)), exist_ok=True)
        # tamaños variados, apaisadas y verticales (las de CUB rondan 500×375; más pequeñas se leen 3 veces antes)
        ancho, alto = int(rng.integers(120, 321)), int(rng.integers(100, 281))
        bloques = rng.integers(0, 256, size=(alto // 16 + 1, ancho // 16 + 1, 3)).astype("uint8")
        imagen = Image.fromarray(bloques).resize((ancho, alto), Image.BILINEAR)
        imagen.save(os.path.join(raiz, ruta), quality=80)
    for particion, lineas in listas.items():
        with open(os.path.join(raiz, f"{particion}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lineas) + "\n")
