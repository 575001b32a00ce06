package nn

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Sequential chains layers: the output of each is the input of the next.
// All parameters live in one contiguous slice (Params) that the layers
// alias, so an optimiser can update the whole network in one call.
//
// A Sequential owns a workspace of intermediate activations that grows to
// the largest batch it has seen; after that warm-up Forward, Backward,
// VJP, JVP and VJPJVP allocate nothing. It is not safe for concurrent use.
type Sequential struct {
	layers []Layer
	offs   []int // layer i owns params[offs[i]:offs[i+1]]
	params []float64
	in     int
	out    int
	maxW   int
	dual   bool

	// workspace
	capB    int
	batch   int // batch of the cached pass
	cached  int // 0 none, 1 primal (Forward), 2 dual (JVP)
	acts    [][]float64
	tans    [][]float64
	g1, g2  []float64
	gd1     []float64
	gd2     []float64
	zeros   []float64
	scratch []float64
}

// NewSequential chains layers, gathering their parameters (with their
// current values) into one contiguous slice. It panics if consecutive
// sizes do not match.
func NewSequential(layers ...Layer) *Sequential {
	if len(layers) == 0 {
		panic("nn: NewSequential needs at least one layer")
	}
	s := &Sequential{layers: layers, in: layers[0].InSize(), out: layers[len(layers)-1].OutSize(), dual: true}
	s.offs = make([]int, len(layers)+1)
	s.maxW = s.in
	for i, l := range layers {
		if i > 0 && layers[i-1].OutSize() != l.InSize() {
			panic(fmt.Sprintf("nn: NewSequential: layer %d outputs %d values but layer %d takes %d", i-1, layers[i-1].OutSize(), i, l.InSize()))
		}
		s.offs[i+1] = s.offs[i] + len(l.Params())
		s.maxW = max(s.maxW, l.OutSize())
		if _, ok := l.(DualLayer); !ok {
			s.dual = false
		}
	}
	s.params = make([]float64, s.offs[len(layers)])
	for i, l := range layers {
		p := s.params[s.offs[i]:s.offs[i+1]:s.offs[i+1]]
		copy(p, l.Params())
		l.SetParams(p)
	}
	s.acts = make([][]float64, len(layers)+1)
	s.tans = make([][]float64, len(layers)+1)
	return s
}

// Layers returns the layers in order (not a copy).
func (s *Sequential) Layers() []Layer { return s.layers }

// InSize and OutSize are the per-sample input and output lengths.
func (s *Sequential) InSize() int  { return s.in }
func (s *Sequential) OutSize() int { return s.out }

// Params returns all parameters as one flat slice aliasing the layers'
// storage: writing to it changes the network.
func (s *Sequential) Params() []float64 { return s.params }

// NumParams returns len(Params()).
func (s *Sequential) NumParams() int { return len(s.params) }

// LayerParams returns the range of Params (and of a gradient with the same
// layout) that belongs to layer i.
func (s *Sequential) LayerParams(i int) (lo, hi int) { return s.offs[i], s.offs[i+1] }

// IsDual reports whether every layer is a DualLayer, so that JVP and
// VJPJVP are available.
func (s *Sequential) IsDual() bool { return s.dual }

// ParamSpecs lists every parameter tensor with PyTorch nn.Sequential
// state_dict names ("0.weight", "0.bias", "2.weight", …).
func (s *Sequential) ParamSpecs() []ParamSpec {
	var specs []ParamSpec
	for i, l := range s.layers {
		for _, p := range l.ParamSpecs() {
			specs = append(specs, ParamSpec{Name: strconv.Itoa(i) + "." + p.Name, Shape: p.Shape})
		}
	}
	return specs
}

// ParamTensors returns the named parameter tensors; their Data alias
// Params.
func (s *Sequential) ParamTensors() []Tensor {
	return tensorsFromSpecs(s.ParamSpecs(), s.params)
}

// SetParams rebinds the network's parameter storage to p without copying
// (len(p) == NumParams()). It lets a caller embed the network's parameters
// inside a larger parameter vector.
func (s *Sequential) SetParams(p []float64) {
	if len(p) != len(s.params) {
		panic(fmt.Sprintf("nn: Sequential.SetParams: got %d values, want %d", len(p), len(s.params)))
	}
	s.params = p
	for i, l := range s.layers {
		l.SetParams(p[s.offs[i]:s.offs[i+1]:s.offs[i+1]])
	}
}

func (s *Sequential) ensure(b int, dual bool) {
	if b <= 0 {
		panic(fmt.Sprintf("nn: batch must be positive, got %d", b))
	}
	if dual && !s.dual {
		panic("nn: JVP needs every layer of the Sequential to be a DualLayer")
	}
	if b > s.capB {
		s.capB = b
		s.acts[0] = make([]float64, b*s.in)
		for i, l := range s.layers {
			s.acts[i+1] = make([]float64, b*l.OutSize())
		}
		s.g1 = make([]float64, b*s.maxW)
		s.g2 = make([]float64, b*s.maxW)
		s.tans[0] = nil // regrow lazily
		s.gd1, s.gd2, s.zeros, s.scratch = nil, nil, nil, nil
	}
	if dual && s.tans[0] == nil {
		c := s.capB
		s.tans[0] = make([]float64, c*s.in)
		for i, l := range s.layers {
			s.tans[i+1] = make([]float64, c*l.OutSize())
		}
		s.gd1 = make([]float64, c*s.maxW)
		s.gd2 = make([]float64, c*s.maxW)
		s.zeros = make([]float64, c*s.maxW)
		s.scratch = make([]float64, c*s.maxW)
	}
}

func (s *Sequential) gpart(gp []float64, i int) []float64 {
	if gp == nil {
		return nil
	}
	return gp[s.offs[i]:s.offs[i+1]]
}

// Forward computes y = f(x) for batch samples and caches the intermediate
// values for Backward.
func (s *Sequential) Forward(x, y []float64, batch int) {
	s.ensure(batch, false)
	checkLen("Sequential input", x, batch*s.in)
	checkLen("Sequential output", y, batch*s.out)
	copy(s.acts[0], x[:batch*s.in])
	for i, l := range s.layers {
		l.Forward(s.acts[i][:batch*l.InSize()], s.acts[i+1][:batch*l.OutSize()], batch)
	}
	copy(y[:batch*s.out], s.acts[len(s.layers)][:batch*s.out])
	s.batch, s.cached = batch, 1
}

// Backward back-propagates gy through the pass cached by the last Forward
// (or JVP): gx = gyᵀ∂f/∂x is overwritten (nil skips it) and gp += gyᵀ∂f/∂θ
// is accumulated (nil skips it; otherwise len(gp) == NumParams()).
func (s *Sequential) Backward(gy, gx, gp []float64) {
	if s.cached == 0 {
		panic("nn: Sequential.Backward called before Forward")
	}
	b := s.batch
	checkLen("Sequential gy", gy, b*s.out)
	if gp != nil {
		checkLen("Sequential gp", gp, len(s.params))
	}
	if gx != nil {
		checkLen("Sequential gx", gx, b*s.in)
	}
	cur := gy[:b*s.out]
	bufs := [2][]float64{s.g1, s.g2}
	for i := len(s.layers) - 1; i >= 0; i-- {
		l := s.layers[i]
		var next []float64
		switch {
		case i == 0 && gx == nil:
			next = nil
		case i == 0:
			next = gx[:b*s.in]
		default:
			next = bufs[i&1][:b*l.InSize()]
		}
		l.VJP(s.acts[i][:b*l.InSize()], s.acts[i+1][:b*l.OutSize()], cur, next, s.gpart(gp, i), b)
		cur = next
	}
}

// VJP computes f at x and back-propagates gy (Forward then Backward).
func (s *Sequential) VJP(x, gy, gx, gp []float64, batch int) {
	s.ensure(batch, false)
	checkLen("Sequential input", x, batch*s.in)
	copy(s.acts[0], x[:batch*s.in])
	for i, l := range s.layers {
		l.Forward(s.acts[i][:batch*l.InSize()], s.acts[i+1][:batch*l.OutSize()], batch)
	}
	s.batch, s.cached = batch, 1
	s.Backward(gy, gx, gp)
}

// JVP computes y = f(x) and the tangent dy = (∂f/∂x)·dx, caching both
// passes for BackwardJVP. Every layer must be a DualLayer.
func (s *Sequential) JVP(x, dx, y, dy []float64, batch int) {
	s.ensure(batch, true)
	n := batch * s.in
	checkLen("Sequential input", x, n)
	checkLen("Sequential tangent", dx, n)
	copy(s.acts[0], x[:n])
	copy(s.tans[0], dx[:n])
	for i, l := range s.layers {
		ni, no := batch*l.InSize(), batch*l.OutSize()
		l.(DualLayer).JVP(s.acts[i][:ni], s.tans[i][:ni], s.acts[i+1][:no], s.tans[i+1][:no], batch)
	}
	m := batch * s.out
	L := len(s.layers)
	if y != nil {
		copy(y[:m], s.acts[L][:m])
	}
	if dy != nil {
		copy(dy[:m], s.tans[L][:m])
	}
	s.batch, s.cached = batch, 2
}

// BackwardJVP differentiates the pass cached by the last JVP in reverse
// mode (see DualLayer.VJPJVP): given gradients gy of y and gdy of dy it
// overwrites gx and gdx and accumulates gp. Any of gy, gx, gdx, gp may be
// nil (a nil gy means zero).
func (s *Sequential) BackwardJVP(gy, gdy, gx, gdx, gp []float64) {
	if s.cached != 2 {
		panic("nn: Sequential.BackwardJVP called without a cached JVP")
	}
	b := s.batch
	if gy == nil {
		gy = s.zeros
		clear(gy[:b*s.out])
	}
	cur, curd := gy[:b*s.out], gdy[:b*s.out]
	bufs := [2][]float64{s.g1, s.g2}
	dbufs := [2][]float64{s.gd1, s.gd2}
	for i := len(s.layers) - 1; i >= 0; i-- {
		l := s.layers[i].(DualLayer)
		ni, no := b*l.InSize(), b*l.OutSize()
		var next, nextd []float64
		if i == 0 {
			if gx != nil {
				next = gx[:ni]
			}
			if gdx != nil {
				nextd = gdx[:ni]
			}
		} else {
			next, nextd = bufs[i&1][:ni], dbufs[i&1][:ni]
		}
		l.VJPJVP(s.acts[i][:ni], s.tans[i][:ni], s.acts[i+1][:no], s.tans[i+1][:no], cur, curd, next, nextd, s.gpart(gp, i), b)
		cur, curd = next, nextd
	}
}

// VJPJVP runs JVP at (x, dx) and then BackwardJVP with gy and gdy.
func (s *Sequential) VJPJVP(x, dx, gy, gdy, gx, gdx, gp []float64, batch int) {
	s.JVP(x, dx, nil, nil, batch)
	s.BackwardJVP(gy, gdy, gx, gdx, gp)
}

// HutchinsonTrace computes y = f(x) and, per sample r, the Hutchinson
// estimate tr[r] = ε_rᵀ (∂f/∂x)(x_r) ε_r of the Jacobian trace used by
// continuous normalizing flows (FFJORD). It needs InSize() == OutSize().
func (s *Sequential) HutchinsonTrace(x, eps, y, tr []float64, batch int) {
	s.checkSquare()
	s.JVP(x, eps, y, nil, batch)
	d := s.out
	jv := s.tans[len(s.layers)]
	for r := 0; r < batch; r++ {
		t := 0.0
		for j := r * d; j < (r+1)*d; j++ {
			t += eps[j] * jv[j]
		}
		tr[r] = t
	}
}

// HutchinsonVJP back-propagates through HutchinsonTrace: it returns in gx
// (overwritten; nil skips) and gp (accumulated; nil skips) the gradients of
//
//	Σ_r gy_rᵀ f(x_r) + Σ_r gtr[r] · ε_rᵀ (∂f/∂x)(x_r) ε_r
//
// with respect to x and θ, holding ε fixed. gy may be nil (zero).
func (s *Sequential) HutchinsonVJP(x, eps, gy, gtr, gx, gp []float64, batch int) {
	s.checkSquare()
	s.JVP(x, eps, nil, nil, batch)
	d := s.out
	gdy := s.scratch[:batch*d]
	for r := 0; r < batch; r++ {
		g := gtr[r]
		for j := r * d; j < (r+1)*d; j++ {
			gdy[j] = g * eps[j]
		}
	}
	s.BackwardJVP(gy, gdy, gx, nil, gp)
}

func (s *Sequential) checkSquare() {
	if s.in != s.out {
		panic(fmt.Sprintf("nn: Hutchinson trace needs a square map, have %d→%d", s.in, s.out))
	}
}

// MLP is a multilayer perceptron: Dense layers with an activation after
// every hidden layer and a linear (by default) output layer. Its layers
// are, in order, Dense, Act, Dense, Act, …, Dense (and a final Act when
// OutAct is not Identity).
type MLP struct {
	*Sequential
	Sizes  []int
	Act    Activation
	OutAct Activation
}

// MLPOptions configures NewMLPWith.
type MLPOptions struct {
	Sizes  []int      // layer widths, input first: {2, 50, 2}
	Act    Activation // hidden activation
	OutAct Activation // output activation; Identity (the zero value) means linear
	Init   Init       // weight initialiser; InitGlorotUniform (zero value) by default
	Sigma  float64    // standard deviation for InitNormal
	RNG    *rand.Rand // nil means NewRNG(0)
}

// NewMLP returns an MLP with the given layer widths (input first), hidden
// activation act, a linear output layer, Glorot-uniform weights drawn from
// rng and zero biases. A nil rng means NewRNG(0).
func NewMLP(sizes []int, act Activation, rng *rand.Rand) *MLP {
	return NewMLPWith(MLPOptions{Sizes: sizes, Act: act, RNG: rng})
}

// NewMLPWith returns an MLP configured by o.
func NewMLPWith(o MLPOptions) *MLP {
	if len(o.Sizes) < 2 {
		panic(fmt.Sprintf("nn: an MLP needs at least an input and an output size, got %v", o.Sizes))
	}
	for _, w := range o.Sizes {
		if w <= 0 {
			panic(fmt.Sprintf("nn: an MLP needs positive layer widths, got %v", o.Sizes))
		}
	}
	rng := o.RNG
	if rng == nil {
		rng = NewRNG(0)
	}
	var layers []Layer
	for i := 0; i+1 < len(o.Sizes); i++ {
		in, out := o.Sizes[i], o.Sizes[i+1]
		d := NewDense(in, out, nil)
		o.Init.fill(d.W, in, out, o.Sigma, rng)
		layers = append(layers, d)
		if i+2 < len(o.Sizes) {
			layers = append(layers, NewAct(o.Act, out))
		} else if o.OutAct != Identity {
			layers = append(layers, NewAct(o.OutAct, out))
		}
	}
	return &MLP{Sequential: NewSequential(layers...), Sizes: append([]int(nil), o.Sizes...), Act: o.Act, OutAct: o.OutAct}
}

// AsLayer returns s viewed as a Layer so it can be nested inside another
// Sequential; when s.IsDual() the value is also a DualLayer. Its VJP and
// VJPJVP recompute the forward pass from x (they do not rely on a cached
// pass).
func (s *Sequential) AsLayer() Layer {
	if s.dual {
		return seqDualLayer{seqLayer{s}}
	}
	return seqLayer{s}
}

type seqLayer struct{ s *Sequential }

func (l seqLayer) InSize() int                   { return l.s.in }
func (l seqLayer) OutSize() int                  { return l.s.out }
func (l seqLayer) Params() []float64             { return l.s.params }
func (l seqLayer) ParamSpecs() []ParamSpec       { return l.s.ParamSpecs() }
func (l seqLayer) SetParams(p []float64)         { l.s.SetParams(p) }
func (l seqLayer) Forward(x, y []float64, b int) { l.s.Forward(x, y, b) }
func (l seqLayer) VJP(x, y, gy, gx, gp []float64, b int) {
	l.s.VJP(x, gy, gx, gp, b)
}

type seqDualLayer struct{ seqLayer }

func (l seqDualLayer) JVP(x, dx, y, dy []float64, b int) { l.s.JVP(x, dx, y, dy, b) }
func (l seqDualLayer) VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, gp []float64, b int) {
	l.s.VJPJVP(x, dx, gy, gdy, gx, gdx, gp, b)
}

// paramSharer is implemented by layers that keep scratch space: it returns
// a layer that shares the receiver's parameter storage but has its own
// scratch, so the two can run concurrently.
type paramSharer interface {
	shareParams() Layer
}

// Clone returns a Sequential that shares s's parameters (writing to one's
// Params changes both) but has its own workspace, so the two may run
// Forward/Backward concurrently (for example one per goroutine of a
// batched ODE solve). Parameter gradients must go to separate buffers.
// A later SetParams on either is not seen by the other.
func (s *Sequential) Clone() *Sequential {
	layers := make([]Layer, len(s.layers))
	for i, l := range s.layers {
		if ps, ok := l.(paramSharer); ok {
			layers[i] = ps.shareParams()
		} else {
			layers[i] = l
		}
	}
	c := &Sequential{layers: layers, offs: s.offs, params: s.params, in: s.in, out: s.out, maxW: s.maxW, dual: s.dual}
	c.acts = make([][]float64, len(layers)+1)
	c.tans = make([][]float64, len(layers)+1)
	return c
}

// Clone returns an MLP sharing m's parameters with its own workspace (see
// Sequential.Clone).
func (m *MLP) Clone() *MLP {
	return &MLP{Sequential: m.Sequential.Clone(), Sizes: m.Sizes, Act: m.Act, OutAct: m.OutAct}
}

// SetTime sets T of every TimeInput layer of s (at the top level) and
// zeroes their GradT.
func (s *Sequential) SetTime(t float64) {
	for _, l := range s.layers {
		if ti, ok := l.(*TimeInput); ok {
			ti.T, ti.GradT = t, 0
		}
	}
}

// TimeGrad returns the sum of GradT over the TimeInput layers of s: the
// gradient with respect to t accumulated by the VJPs since SetTime.
func (s *Sequential) TimeGrad() float64 {
	g := 0.0
	for _, l := range s.layers {
		if ti, ok := l.(*TimeInput); ok {
			g += ti.GradT
		}
	}
	return g
}
