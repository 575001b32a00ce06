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

// TimeInput is a DualLayer that appends the current time T to every
// sample: Copies copies of T after the Dim values of each sample (Copies 0
// means 1). With Dim = C·H·W and Copies = H·W it appends a constant time
// channel to an NCHW image, as the ConcatConv2d layers of ODE-Net and
// FFJORD do. Set T before each pass (Sequential.SetTime sets every
// TimeInput of a Sequential); VJP and VJPJVP accumulate ∂/∂T into GradT.
type TimeInput struct {
	Dim, Copies int
	T           float64
	GradT       float64
}

// NewTimeInput returns a TimeInput for dim values per sample followed by
// copies copies of the time.
func NewTimeInput(dim, copies int) *TimeInput { return &TimeInput{Dim: dim, Copies: copies} }

func (l *TimeInput) k() int {
	if l.Copies <= 0 {
		return 1
	}
	return l.Copies
}

func (l *TimeInput) InSize() int             { return l.Dim }
func (l *TimeInput) OutSize() int            { return l.Dim + l.k() }
func (l *TimeInput) Params() []float64       { return nil }
func (l *TimeInput) ParamSpecs() []ParamSpec { return nil }
func (l *TimeInput) SetParams([]float64)     {}

func (l *TimeInput) fill(x []float64, t float64, y []float64, b int) {
	d, w := l.Dim, l.OutSize()
	checkLen("TimeInput input", x, b*d)
	checkLen("TimeInput output", y, b*w)
	for r := 0; r < b; r++ {
		copy(y[r*w:r*w+d], x[r*d:(r+1)*d])
		tt := y[r*w+d : (r+1)*w]
		for i := range tt {
			tt[i] = t
		}
	}
}

// split writes the state part of gy into gx (nil skips) and returns the sum
// of the time part.
func (l *TimeInput) split(gy, gx []float64, b int) float64 {
	d, w := l.Dim, l.OutSize()
	s := 0.0
	for r := 0; r < b; r++ {
		if gx != nil {
			copy(gx[r*d:(r+1)*d], gy[r*w:r*w+d])
		}
		for _, v := range gy[r*w+d : (r+1)*w] {
			s += v
		}
	}
	return s
}

func (l *TimeInput) Forward(x, y []float64, b int) { l.fill(x, l.T, y, b) }

func (l *TimeInput) VJP(x, y, gy, gx, gp []float64, b int) {
	l.GradT += l.split(gy, gx, b)
}

func (l *TimeInput) JVP(x, dx, y, dy []float64, b int) {
	l.fill(x, l.T, y, b)
	l.fill(dx, 0, dy, b)
}

func (l *TimeInput) VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, gp []float64, b int) {
	l.GradT += l.split(gy, gx, b)
	if gdx != nil {
		l.split(gdy, gdx, b)
	}
}
