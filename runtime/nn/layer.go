package nn

import "fmt"

// ParamSpec describes one named parameter tensor of a layer. A layer's
// tensors lie one after another, in the order of ParamSpecs, in the flat
// slice its Params method returns.
type ParamSpec struct {
	Name  string // e.g. "weight", "bias"
	Shape []int  // row-major
}

// Size returns the number of elements of the tensor.
func (p ParamSpec) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Layer is a differentiable map from a batch of inputs to a batch of
// outputs. Tensors are flat []float64, batch-major: sample r of x occupies
// x[r*InSize():(r+1)*InSize()].
//
// Layers write into buffers the caller owns. Forward and VJP allocate
// nothing once any internal scratch space has grown to the largest batch
// seen. A layer is not safe for concurrent use.
type Layer interface {
	// InSize and OutSize are the per-sample input and output lengths.
	InSize() int
	OutSize() int
	// Params returns the layer's parameters as one flat slice that aliases
	// the layer's storage: writing to it changes the layer.
	Params() []float64
	// ParamSpecs names the tensors laid out in Params, in order.
	ParamSpecs() []ParamSpec
	// SetParams rebinds the layer's storage to p (len(p) == len(Params()))
	// without copying. Containers use it to gather parameters into one
	// contiguous slice.
	SetParams(p []float64)
	// Forward computes y = f(x) for batch samples.
	Forward(x, y []float64, batch int)
	// VJP computes the vector–Jacobian products for y = f(x) given the
	// upstream gradient gy: gx = gyᵀ∂y/∂x is overwritten (gx may be nil to
	// skip it) and gp += gyᵀ∂y/∂θ is accumulated (gp may be nil). x and y
	// are the input and output of the matching Forward call.
	VJP(x, y, gy, gx, gp []float64, batch int)
}

// DualLayer is a Layer that also propagates forward-mode tangents and can
// differentiate that propagation in reverse mode. Together they give
// gradients of quantities that already contain a derivative, such as the
// Hutchinson trace estimate εᵀ(∂f/∂z)ε of a continuous normalizing flow.
type DualLayer interface {
	Layer
	// JVP computes y = f(x) and the tangent dy = (∂f/∂x)·dx.
	JVP(x, dx, y, dy []float64, batch int)
	// VJPJVP differentiates the pair map (x, dx) ↦ (y, dy) of JVP in
	// reverse mode. Given upstream gradients gy (of y) and gdy (of dy) it
	// overwrites gx and gdx (either may be nil) and accumulates the
	// parameter gradient into gp (may be nil):
	//
	//	gx  = gyᵀ∂y/∂x + gdyᵀ∂dy/∂x
	//	gdx = gdyᵀ∂dy/∂dx
	//	gp += gyᵀ∂y/∂θ + gdyᵀ∂dy/∂θ
	VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, gp []float64, batch int)
}

// NumParams returns the number of parameters of l.
func NumParams(l Layer) int { return len(l.Params()) }

func checkLen(what string, s []float64, want int) {
	if len(s) < want {
		panic(fmt.Sprintf("nn: %s has length %d, need at least %d", what, len(s), want))
	}
}

// Act applies an activation element-wise to N values per sample.
type Act struct {
	F Activation
	N int
}

// NewAct returns an activation layer for n values per sample.
func NewAct(f Activation, n int) *Act { return &Act{F: f, N: n} }

func (a *Act) InSize() int             { return a.N }
func (a *Act) OutSize() int            { return a.N }
func (a *Act) Params() []float64       { return nil }
func (a *Act) ParamSpecs() []ParamSpec { return nil }
func (a *Act) SetParams(p []float64)   {}
func (a *Act) Forward(x, y []float64, b int) {
	n := a.N * b
	checkLen("Act input", x, n)
	checkLen("Act output", y, n)
	a.F.apply(x[:n], y[:n])
}

func (a *Act) VJP(x, y, gy, gx, gp []float64, b int) {
	if gx == nil {
		return
	}
	n := a.N * b
	a.F.backward(x[:n], y[:n], gy[:n], gx[:n])
}

func (a *Act) JVP(x, dx, y, dy []float64, b int) {
	n := a.N * b
	x, dx, y, dy = x[:n], dx[:n], y[:n], dy[:n]
	a.F.apply(x, y)
	for i, v := range x {
		dy[i] = a.F.Deriv(v, y[i]) * dx[i]
	}
}

func (a *Act) VJPJVP(x, dx, y, dy, gy, gdy, gx, gdx, gp []float64, b int) {
	n := a.N * b
	x, dx, y, gy, gdy = x[:n], dx[:n], y[:n], gy[:n], gdy[:n]
	f := a.F
	if gx != nil {
		gx = gx[:n]
		for i, v := range x {
			gx[i] = f.Deriv(v, y[i])*gy[i] + f.Deriv2(v, y[i])*dx[i]*gdy[i]
		}
	}
	if gdx != nil {
		gdx = gdx[:n]
		for i, v := range x {
			gdx[i] = f.Deriv(v, y[i]) * gdy[i]
		}
	}
}
