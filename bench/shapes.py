"""The linear layers the benchmark suite times: (layer, N, K) per model."""

MODELS = {
    "llama2-7b": [("q/k/v/o", 4096, 4096), ("gate/up", 11008, 4096), ("down", 4096, 11008)],
    "llama2-70b": [("q/o", 8192, 8192), ("k/v", 1024, 8192), ("gate/up", 28672, 8192),
                   ("down", 8192, 28672)],
    "llama3-8b": [("q/o", 4096, 4096), ("k/v", 1024, 4096), ("gate/up", 14336, 4096),
                  ("down", 4096, 14336)],
}
