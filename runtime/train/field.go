package train

import (
	"fmt"

	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
)

// Elementwise is an element-wise input transform x = g(y) with its
// derivative, applied before the network.
type Elementwise func(y float64) (x, dxdy float64)

// Cube is y ↦ y³, the input transform of torchdiffeq's spiral demo.
func Cube(y float64) (float64, float64) { return y * y * y, 3 * y * y }

// NeuralField is the autonomous vector field dy/dt = Net(Pre(y)) applied
// to Batch states of Net.InSize() values each, evaluated batch-wise (one
// matrix product per layer for the whole minibatch). It implements
// ode.Differentiable, adjoint.FuncVJPer (f and its VJP from one forward
// pass) and Model. The network's input and output sizes must match.
type NeuralField struct {
	Net   *nn.Sequential
	Pre   Elementwise // nil: identity
	Batch int

	x, dx, gx []float64
	systems   map[int]*NeuralField
	slots     []fieldSlot
}

// fieldSlot is one kept evaluation (adjoint.StageVJPer): a clone of the
// network sharing its parameters, with its own activations.
type fieldSlot struct {
	net   *nn.Sequential
	x, dx []float64
}

// NewNeuralField returns the field of net with input transform pre (nil
// for none) for a batch of one state.
func NewNeuralField(net *nn.Sequential, pre Elementwise) *NeuralField {
	if net.InSize() != net.OutSize() {
		panic(fmt.Sprintf("train: NewNeuralField: the network maps %d values to %d; a vector field needs equal sizes", net.InSize(), net.OutSize()))
	}
	return &NeuralField{Net: net, Pre: pre, Batch: 1}
}

// StateDim returns the size of one state.
func (f *NeuralField) StateDim() int { return f.Net.InSize() }

// Dim returns Batch·StateDim().
func (f *NeuralField) Dim() int { return f.Batch * f.Net.InSize() }

// Params aliases the network's parameters.
func (f *NeuralField) Params() []float64 { return f.Net.Params() }

// Autonomous reports that f does not depend on t.
func (f *NeuralField) Autonomous() bool { return true }

// System returns a field sharing f's network (and parameters) for batch
// states; it is cached, so repeated calls return the same value. The
// fields share the network's workspace and must be used sequentially.
func (f *NeuralField) System(batch int) ode.Differentiable {
	if batch == f.Batch {
		return f
	}
	if f.systems == nil {
		f.systems = make(map[int]*NeuralField)
	}
	s, ok := f.systems[batch]
	if !ok {
		s = &NeuralField{Net: f.Net, Pre: f.Pre, Batch: batch}
		f.systems[batch] = s
	}
	return s
}

func (f *NeuralField) ensure() {
	if n := f.Dim(); len(f.x) != n {
		f.x = make([]float64, n)
		f.dx = make([]float64, n)
		f.gx = make([]float64, n)
	}
}

func (f *NeuralField) input(y []float64) []float64 {
	f.ensure()
	n := f.Dim()
	if f.Pre == nil {
		return y[:n]
	}
	for i, v := range y[:n] {
		f.x[i], f.dx[i] = f.Pre(v)
	}
	return f.x
}

func (f *NeuralField) chain(ay []float64) {
	if f.Pre == nil {
		return
	}
	for i, d := range f.dx {
		ay[i] = f.gx[i] * d
	}
}

func (f *NeuralField) gxBuf(ay []float64) []float64 {
	if f.Pre == nil {
		return ay
	}
	return f.gx
}

// Func evaluates the field for every state of the batch.
func (f *NeuralField) Func(_ float64, y, dy []float64) {
	f.Net.Forward(f.input(y), dy, f.Batch)
}

// VJP computes ay = aᵀ∂f/∂y and accumulates ap += aᵀ∂f/∂θ.
func (f *NeuralField) VJP(_ float64, y, a, ay, ap []float64) {
	x := f.input(y)
	f.Net.VJP(x, a, f.gxBuf(ay), ap, f.Batch)
	f.chain(ay)
}

// FuncVJP computes dy = f(y) and its VJPs from one forward pass.
func (f *NeuralField) FuncVJP(_ float64, y, a, dy, ay, ap []float64) {
	x := f.input(y)
	f.Net.Forward(x, dy, f.Batch)
	f.Net.Backward(a, f.gxBuf(ay), ap)
	f.chain(ay)
}

func (f *NeuralField) slot(k int) *fieldSlot {
	for len(f.slots) <= k {
		n := f.Dim()
		f.slots = append(f.slots, fieldSlot{net: f.Net.Clone(), x: make([]float64, n), dx: make([]float64, n)})
	}
	return &f.slots[k]
}

// FuncSlot evaluates the field like Func and keeps the network's
// activations in slot k for VJPSlot (adjoint.StageVJPer).
func (f *NeuralField) FuncSlot(k int, _ float64, y, dy []float64) {
	s := f.slot(k)
	n := f.Dim()
	x := y[:n]
	if f.Pre != nil {
		for i, v := range x {
			s.x[i], s.dx[i] = f.Pre(v)
		}
		x = s.x
	}
	s.net.Forward(x, dy, f.Batch)
}

// VJPSlot computes the VJPs at the point of the last FuncSlot(k, …).
func (f *NeuralField) VJPSlot(k int, a, ay, ap []float64) {
	s := &f.slots[k]
	if f.Pre == nil {
		s.net.Backward(a, ay, ap)
		return
	}
	f.ensure()
	s.net.Backward(a, f.gx, ap)
	for i, d := range s.dx {
		ay[i] = f.gx[i] * d
	}
}
