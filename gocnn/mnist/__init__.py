"""MNIST on the conv core: the data files (:mod:`.files`), the classic CNN and an improved one
with their training (:mod:`.nets`), a picture of the learned filters (:mod:`.filters`) and
what the ``gocnn mnist`` commands do (:mod:`.run`).  The benchmark against Keras is
``gocnn bench mnist`` (:mod:`gocnn.bench.mnist`).

The seed network is the classic Keras/TensorFlow MNIST CNN::

    1x28x28 -> conv 32 5x5 'same' -> ReLU -> max-pool 2x2 -> conv 64 5x5 'same' -> ReLU
    -> max-pool 2x2 -> flatten (3136) -> dense 1024 -> ReLU -> dense 10 (softmax in the loss)
    Adam 1e-4, batch 64, pixels in [0, 1]; 3,274,634 parameters.

Data: the four original files (``train-images-idx3-ubyte`` etc., plain or ``.gz``, also the
``train-images.idx3-ubyte`` spelling) or Keras's ``mnist.npz`` in a directory.  Without
``--data`` the files are looked for in ``$GOCNN_MNIST``, the cache directory
(``$XDG_CACHE_HOME/gocnn/mnist``, default ``~/.cache/gocnn/mnist``) and a ``shared/data/mnist``
beside the source checkout, then downloaded into the cache from the usual public mirrors, every
file checked against the sha256 of its decompressed content.
"""

from gocnn.mnist.files import (FILES, IMAGE_SIZE, MIRRORS, NUM_CLASSES, SHA256, TRAIN_SIZE, cache_dir,
                               download, find_local, has_split, image_to_input, load, read_idx, read_split,
                               resolve_data)
from gocnn.mnist.filters import filters_picture
from gocnn.mnist.nets import (ARCHS, History, Recipe, Settings, augment_batch, evaluate, improved_spec,
                              make_config, seed_spec, small_spec, to_tensor, train)
from gocnn.mnist.run import (TrainConfig, draw_filters, evaluate_model, load_mnist_model, predict,
                             train_model)

__all__ = ['FILES', 'IMAGE_SIZE', 'MIRRORS', 'NUM_CLASSES', 'SHA256', 'TRAIN_SIZE', 'cache_dir',
           'download', 'find_local', 'has_split', 'image_to_input', 'load', 'read_idx', 'read_split',
           'resolve_data', 'filters_picture', 'ARCHS', 'History', 'Recipe', 'Settings', 'augment_batch',
           'evaluate', 'improved_spec', 'make_config', 'seed_spec', 'small_spec', 'to_tensor', 'train',
           'TrainConfig', 'draw_filters', 'evaluate_model', 'load_mnist_model', 'predict',
           'train_model']
