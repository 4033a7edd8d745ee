"""lmi-dist: this project's PyTorch engine."""
