// A LLaMA-7B attention projection (4096 x 4096) as the user writes it: float
// activations and weights, granularity left to the cost model.
func.func @q_proj(%x: tensor<?x4096xf16>, %w: tensor<4096x4096xf16>) -> tensor<?x4096xf16> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>}
      : tensor<?x4096xf16>, tensor<4096x4096xf16> -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}
