"""Native CPU kernels, compiled from C at first use and called through ctypes."""
