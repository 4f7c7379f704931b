"""The Numba backend: JIT-compiled fused elementwise kernels (imported only when used)."""
