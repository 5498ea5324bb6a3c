"""The classic Keras MNIST CNN (ported only in API names to Keras 3), timed over fixed steps:
the peer of ``gocnn bench mnist``.  Run by the bench in a child process, with
``KERAS_BACKEND=torch``::

    python keras_mnist.py MNIST.npz THREADS STEPS WARMUP [evaluate]

It trains on the first (WARMUP + STEPS) x 64 training images for one pass, times the STEPS
batches after the WARMUP ones (wall clock and CPU time of this process, read by a Keras
callback: the peer's own loop can be timed only from inside), and prints one JSON line:
seconds, cpu_seconds, steps, params, keras, backend, threads (and test_accuracy with
``evaluate``).  It does not import gocnn.
"""

import json
import sys
import time

import numpy as np
import torch

torch.set_num_threads(int(sys.argv[2]))
import keras  # noqa: E402  (after the thread count is set)
from keras import layers  # noqa: E402

steps, warmup = int(sys.argv[3]), int(sys.argv[4])
with np.load(sys.argv[1]) as d:
    x_train, y_train, x_test, y_test = d["x_train"], d["y_train"], d["x_test"], d["y_test"]
batch_size, num_classes = 64, 10
x_train = x_train[: (steps + warmup) * batch_size]
y_train = y_train[: (steps + warmup) * batch_size]
x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255
x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, kernel_size=(5, 5), strides=(1, 1), padding="same", activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding="same"),
    layers.Conv2D(64, kernel_size=(5, 5), padding="same", activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2), padding="same"),
    layers.Flatten(),
    layers.Dense(1024, activation="relu"),
    layers.Dense(num_classes, activation="softmax"),
])
model.compile(loss=keras.losses.categorical_crossentropy,
              optimizer=keras.optimizers.Adam(learning_rate=1e-4), metrics=["accuracy"])


class Timer(keras.callbacks.Callback):
    t0 = t1 = c0 = c1 = None

    def on_train_batch_begin(self, batch, logs=None):
        if batch == warmup:
            self.t0, self.c0 = time.perf_counter(), time.process_time()

    def on_train_batch_end(self, batch, logs=None):
        self.t1, self.c1 = time.perf_counter(), time.process_time()


timer = Timer()
model.fit(x_train, y_train, batch_size=batch_size, epochs=1, verbose=0, callbacks=[timer])
result = {"seconds": timer.t1 - timer.t0, "cpu_seconds": timer.c1 - timer.c0, "steps": steps,
          "params": model.count_params(), "keras": keras.__version__,
          "backend": keras.backend.backend(), "threads": torch.get_num_threads()}
if len(sys.argv) > 5:
    result["test_accuracy"] = float(model.evaluate(x_test, y_test, verbose=0)[1])
print(json.dumps(result))
