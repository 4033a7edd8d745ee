"""Linear-layer weights in float or a quantized format, each behind the one LinearWeight interface."""
