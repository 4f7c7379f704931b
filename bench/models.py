"""Model graphs the benchmarks time: the same model for us, NumPy by hand and each peer.

``mlp_*`` is a 784-500-10 MLP SGD step (tanh hidden layer, softmax cross-entropy on
integer labels via ``p[arange(n), y]``, shared weights updated), batch 128.
"""

from __future__ import annotations

import numpy as np

N, D, H, K = 128, 784, 500, 10
LR = 0.1


def mlp_data(dtype, seed=0, shape=(N, D, H, K)):
    """Parameters, inputs and labels of the MLP step; ``shape`` is (batch, inputs,
    hidden units, classes)."""
    n, d, h, k = shape
    rng = np.random.default_rng(seed)
    params = [(rng.normal(size=(d, h)) * 0.01).astype(dtype), np.zeros(h, dtype),
              (rng.normal(size=(h, k)) * 0.01).astype(dtype), np.zeros(k, dtype)]  # fmt: skip
    x = rng.normal(size=(n, d)).astype(dtype)
    y = rng.integers(0, k, n).astype("int32")
    return params, x, y


def mlp_graph(theano, T, dtype, params, softmax):
    """``(inputs, cost, updates)`` of the MLP step in a Theano-like API (ours or PyTensor)."""
    x = T.matrix("x", dtype=dtype)
    y = T.ivector("y")
    w1, b1, w2, b2 = (theano.shared(v.copy(), name) for v, name in
                      zip(params, ("W1", "b1", "W2", "b2")))  # fmt: skip
    hidden = T.tanh(T.dot(x, w1) + b1)
    p = softmax(T.dot(hidden, w2) + b2)
    cost = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
    shared = [w1, b1, w2, b2]
    grads = T.grad(cost, shared)
    lr = np.asarray(LR, dtype)
    return [x, y], cost, [(s, s - lr * g) for s, g in zip(shared, grads)]


def mlp_ours(dtype, params, mode=None):
    import theano
    import theano.tensor as T

    inputs, cost, updates = mlp_graph(theano, T, dtype, params, T.nnet.softmax)
    step = theano.function(inputs, cost, updates=updates, mode=mode)
    step.trust_input = True
    return step


def mlp_pytensor(dtype, params):
    import pytensor
    import pytensor.tensor as pt
    from pytensor.tensor.special import softmax

    inputs, cost, updates = mlp_graph(pytensor, pt, dtype, params,
                                      lambda z: softmax(z, axis=-1))  # fmt: skip
    step = pytensor.function(inputs, cost, updates=updates)
    step.trust_input = True
    return step


def mlp_numpy(params):
    """The step written by hand in NumPy, updating its own copies of the parameters."""
    w1, b1, w2, b2 = (p.copy() for p in params)
    lr = w1.dtype.type(LR)

    def step(x, y):
        h = np.tanh(x @ w1 + b1)
        z = h @ w2 + b2
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        n = x.shape[0]
        cost = -np.mean(np.log(p[np.arange(n), y]))
        dz = p
        dz[np.arange(n), y] -= 1
        dz /= n
        dh = (dz @ w2.T) * (1 - h * h)
        w2[...] -= lr * (h.T @ dz)
        b2[...] -= lr * dz.sum(axis=0)
        w1[...] -= lr * (x.T @ dh)
        b1[...] -= lr * dh.sum(axis=0)
        return cost

    return step


def jax_x64():
    """JAX with float64 enabled (it silently computes float64 inputs in float32 else)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def mlp_jax(params):
    jax = jax_x64()
    jnp = jax.numpy

    def loss(ps, x, y):
        w1, b1, w2, b2 = ps
        h = jnp.tanh(x @ w1 + b1)
        logp = jax.nn.log_softmax(h @ w2 + b2)
        return -jnp.mean(logp[jnp.arange(x.shape[0]), y])

    @jax.jit
    def update(ps, x, y):
        cost, grads = jax.value_and_grad(loss)(ps, x, y)
        return cost, [p - LR * g for p, g in zip(ps, grads)]

    state = {"ps": [jnp.asarray(p) for p in params]}

    def step(x, y):
        cost, state["ps"] = update(state["ps"], x, y)
        return cost.block_until_ready()

    return step


def logistic_data(seed=0, n=1000, d=784):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) / np.sqrt(d)
    y = (rng.uniform(size=n) > 0.5).astype("float64")
    return x, y


def logistic_step(theano, T, d=784, mode=None):
    """The logistic-regression SGD step in a Theano-like API (ours or PyTensor)."""
    x, y = T.dmatrix("x"), T.dvector("y")
    w = theano.shared(np.zeros(d), "w")
    b = theano.shared(0.0, "b")
    p = T.sigmoid(T.dot(x, w) + b)
    cost = -T.mean(y * T.log(p) + (1 - y) * T.log(1 - p))
    gw, gb = T.grad(cost, [w, b])
    kwargs = {} if mode is None else {"mode": mode}
    step = theano.function([x, y], cost, updates=[(w, w - LR * gw), (b, b - LR * gb)],
                           **kwargs)  # fmt: skip
    step.trust_input = True
    return step


def logistic_numpy(d=784):
    """The step by hand in NumPy."""
    state = {"w": np.zeros(d), "b": 0.0}

    def step(x, y):
        z = x @ state["w"] + state["b"]
        p = 1 / (1 + np.exp(-z))
        cost = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        g = (p - y) / len(y)
        state["w"] -= LR * (x.T @ g)
        state["b"] -= LR * g.sum()
        return cost

    return step


def logistic_jax(d=784):
    jax = jax_x64()
    jnp = jax.numpy

    def loss(params, x, y):
        w, b = params
        p = jax.nn.sigmoid(x @ w + b)
        return -jnp.mean(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))

    @jax.jit
    def update(params, x, y):
        cost, grads = jax.value_and_grad(loss)(params, x, y)
        return cost, [q - LR * g for q, g in zip(params, grads)]

    state = {"params": [jnp.zeros(d), jnp.asarray(0.0)]}

    def step(x, y):
        cost, state["params"] = update(state["params"], x, y)
        return cost.block_until_ready()

    return step


def gemm_products(dtype):
    """The step's five matrix products, each a call of NumPy's ``dot`` on arrays of
    its shapes: at their rate, the GEMM-bound ceiling no implementation of the step
    can beat is the sum of their times."""
    rng = np.random.default_rng(1)

    def m(*shape):
        return rng.normal(size=shape).astype(dtype)

    x, w1, h, w2, dz = m(N, D), m(D, H), m(N, H), m(H, K), m(N, K)
    pairs = [(x, w1), (h, w2), (dz, w2.T), (h.T, dz), (x.T, h)]
    return [lambda a=a, b=b: np.dot(a, b) for a, b in pairs]


def gemm_sequence(dtype):
    """The step's five products run back to back in its order (the weight updates in
    place, as BLAS gemm with beta=1), with nothing else between them: how close to the
    ceiling any implementation of the step can come on this machine's caches."""
    from scipy.linalg import blas

    from theano.tensor.blas import run_gemm

    rng = np.random.default_rng(1)

    def m(*shape):
        return rng.normal(size=shape).astype(dtype)

    x, w1, w2, dz = m(N, D), m(D, H), m(H, K), m(N, K)
    gemm = blas.sgemm if dtype == "float32" else blas.dgemm

    def products():
        h = x @ w1
        h @ w2
        dh = dz @ w2.T
        run_gemm(gemm, w1, -1e-9, x.T, dh, 1.0, True)  # w1 += a * x.T @ dh, in place
        run_gemm(gemm, w2, -1e-9, h.T, dz, 1.0, True)

    return products


def chain(T, x, length):
    """An elementwise chain of ``length`` steps (about three nodes each)."""
    y = x
    for i in range(length):
        y = T.tanh(y) * 1.5 + x if i % 3 else T.exp(-y) - 0.5
    return y


def reload_after_product(dtype, calls=400):
    """Seconds a tiny NumPy call takes right after the step's largest product, and
    alone: ``(after, alone)``. The product streams its operands (2 MB in float32)
    through the core's caches, and whatever the interpreter runs next reloads its own
    code and data from farther away; the ceiling's products, timed alone in a loop,
    never pay that."""
    import time

    rng = np.random.default_rng(2)
    x, w1 = rng.normal(size=(N, D)).astype(dtype), rng.normal(size=(D, H)).astype(dtype)
    v, out = rng.normal(size=N).astype(dtype), np.empty((N, H), dtype)
    clock = time.perf_counter

    def tiny():
        np.add.reduce(v)

    def timed(before):
        total = 0.0
        for _ in range(calls):
            before()
            start = clock()
            tiny()
            total += clock() - start
        return total / calls

    timed(lambda: np.dot(x, w1, out=out))
    return timed(lambda: np.dot(x, w1, out=out)), timed(lambda: None)
