package nn

// TimeConcat appends the scalar time t to every sample, turning a batch
// of states h (batch×Dim) into network inputs [h, t] (batch×(Dim+1)) for a
// time-dependent vector field f(h, t).
type TimeConcat struct {
	Dim int
}

// OutSize returns Dim + 1.
func (c TimeConcat) OutSize() int { return c.Dim + 1 }

// Forward writes y[r] = [x[r], t] for each sample r.
func (c TimeConcat) Forward(x []float64, t float64, y []float64, batch int) {
	d := c.Dim
	checkLen("TimeConcat input", x, batch*d)
	checkLen("TimeConcat output", y, batch*(d+1))
	for r := 0; r < batch; r++ {
		copy(y[r*(d+1):r*(d+1)+d], x[r*d:(r+1)*d])
		y[r*(d+1)+d] = t
	}
}

// Tangent writes the tangent of Forward for a state tangent dx with t held
// fixed: dy[r] = [dx[r], 0].
func (c TimeConcat) Tangent(dx, dy []float64, batch int) {
	c.Forward(dx, 0, dy, batch)
}

// VJP splits the gradient gy of the concatenated input: gx[r] receives the
// state part (overwritten; nil skips it) and the returned value is the
// gradient with respect to t, Σ_r gy[r][Dim].
func (c TimeConcat) VJP(gy, gx []float64, batch int) (gt float64) {
	d := c.Dim
	for r := 0; r < batch; r++ {
		if gx != nil {
			copy(gx[r*d:(r+1)*d], gy[r*(d+1):r*(d+1)+d])
		}
		gt += gy[r*(d+1)+d]
	}
	return gt
}
