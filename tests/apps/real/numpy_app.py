"""numpy: a linear solve and dot products through its bundled OpenBLAS."""
import numpy as np

a = np.array([[3.0, 1.0, -2.0], [2.0, -4.0, 1.0], [1.0, 2.0, 5.0]])
b = np.array([-1.0, 7.0, 18.0])
x = np.linalg.solve(a, b)
print("solve:", [round(float(v), 6) for v in x])
print("check:", bool(np.allclose(a @ x, b)))
print("dot:", float(np.dot([1.5, 2.0, -3.0], [4.0, -1.0, 2.0])))
rng = np.random.default_rng(42)
m = rng.standard_normal((300, 300))
inv = np.linalg.inv(m)
print("inverse ok:", bool(np.allclose(m @ inv, np.eye(300), atol=1e-8)))
print("eig:", [round(float(v), 6) for v in sorted(np.linalg.eigvalsh([[2.0, 1.0], [1.0, 2.0]]))])
print("det:", round(float(np.linalg.det(a)), 6))
with open("/proc/self/maps") as fh:
    maps = fh.read()
print("openblas mapped:", "openblas" in maps)
print("numpy", np.__version__)
