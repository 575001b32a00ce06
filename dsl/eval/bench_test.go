package eval

import (
	"math"
	"testing"

	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
)

// Hand-written references, written the way codegen emits them (see
// codegen/testdata/*.go.golden), so that the interpreter/reference ratio
// approximates interpreter/generated code.

func (l *lorenzHand) Jac(_ float64, y, J []float64) {
	_, _ = y[2], J[8]
	J[0], J[1], J[2] = -l.sigma, l.sigma, 0
	J[3], J[4], J[5] = l.rho-y[2], -1, -y[0]
	J[6], J[7], J[8] = y[1], y[0], -l.beta
}

func (l *lorenzHand) VJP(_ float64, y, a, ay, ap []float64) {
	_, _, _ = y[2], a[2], ay[2]
	ay[0] = a[2]*y[1] + a[1]*(l.rho-y[2]) - a[0]*l.sigma
	ay[1] = a[2]*y[0] - a[1] + a[0]*l.sigma
	ay[2] = -a[2]*l.beta - a[1]*y[0]
	if ap != nil {
		ap[0] += a[0] * (y[1] - y[0])
		ap[1] += a[1] * y[0]
		ap[2] += -a[2] * y[2]
	}
}

type pendulumHand struct{ c float64 }

func (p *pendulumHand) Dim() int { return 2 }
func (p *pendulumHand) Func(_ float64, y, dy []float64) {
	_, _ = y[1], dy[1]
	dy[0] = y[1]
	dy[1] = -9.81*math.Sin(y[0]) - p.c*y[1]
}
func (p *pendulumHand) Jac(_ float64, y, J []float64) {
	_, _ = y[1], J[3]
	J[0], J[1] = 0, 1
	J[2], J[3] = -9.81*math.Cos(y[0]), -p.c
}
func (p *pendulumHand) VJP(_ float64, y, a, ay, ap []float64) {
	_, _, _ = y[1], a[1], ay[1]
	ay[0] = a[1] * -9.81 * math.Cos(y[0])
	ay[1] = a[0] - a[1]*p.c
	if ap != nil {
		ap[0] -= a[1] * y[1]
	}
}

// lvHand is LotkaVolterraUDE with its net, as the generator writes it.
type lvHand struct {
	alpha, delta float64
	net          *nn.MLP
	x, u, gy, gx []float64
	jac          []float64
}

func newLVHand(s *System) *lvHand {
	m := s.Model
	n := m.Nets[0]
	act, _ := nn.ParseActivation(n.Act)
	mlp := nn.NewMLP(n.Sizes(), act, nil)
	mlp.SetParams(s.params[n.ParamOffset : n.ParamOffset+n.NumParams])
	return &lvHand{alpha: s.params[0], delta: s.params[1], net: mlp,
		x: make([]float64, 2), u: make([]float64, 2), gy: make([]float64, 2), gx: make([]float64, 2), jac: make([]float64, 4)}
}

func (l *lvHand) Dim() int { return 2 }
func (l *lvHand) Func(_ float64, y, dy []float64) {
	l.x[0], l.x[1] = y[0], y[1]
	l.net.Forward(l.x, l.u, 1)
	dy[0] = l.alpha*y[0] + l.u[0]
	dy[1] = -l.delta*y[1] + l.u[1]
}
func (l *lvHand) Jac(_ float64, y, J []float64) {
	l.x[0], l.x[1] = y[0], y[1]
	l.net.Forward(l.x, l.u, 1)
	for o := range 2 {
		clear(l.gy)
		l.gy[o] = 1
		l.net.Backward(l.gy, l.jac[o*2:(o+1)*2], nil)
	}
	J[0], J[1] = l.alpha+l.jac[0], l.jac[1]
	J[2], J[3] = l.jac[2], l.jac[3]-l.delta
}
func (l *lvHand) VJP(_ float64, y, a, ay, ap []float64) {
	l.x[0], l.x[1] = y[0], y[1]
	l.net.Forward(l.x, l.u, 1)
	l.gy[0], l.gy[1] = a[0], a[1]
	var gp []float64
	if ap != nil {
		gp = ap[2:]
	}
	l.net.Backward(l.gy, l.gx, gp)
	ay[0] = l.gx[0] + a[0]*l.alpha
	ay[1] = a[1]*-l.delta + l.gx[1]
	if ap != nil {
		ap[0] += a[0] * y[0]
		ap[1] -= a[1] * y[1]
	}
}

type fullSystem interface {
	ode.System
	Jac(t float64, y, J []float64)
	VJP(t float64, y, a, ay, ap []float64)
}

// TestHandReferences keeps the hand-written benchmark references honest:
// they must agree with the interpreter.
func TestHandReferences(t *testing.T) {
	for _, c := range benchCases(t) {
		n := c.interp.Dim()
		y := []float64{0.7, -1.2, 0.4}[:n]
		a := []float64{0.3, 1.1, -0.6}[:n]
		np := len(c.interp.Params())
		f1, f2 := make([]float64, n), make([]float64, n)
		c.interp.Func(0, y, f1)
		c.hand.Func(0, y, f2)
		j1, j2 := make([]float64, n*n), make([]float64, n*n)
		c.interp.Jac(0, y, j1)
		c.hand.Jac(0, y, j2)
		a1, a2 := make([]float64, n), make([]float64, n)
		p1, p2 := make([]float64, np), make([]float64, np)
		c.interp.VJP(0, y, a, a1, p1)
		c.hand.VJP(0, y, a, a2, p2)
		for _, pair := range [][2][]float64{{f1, f2}, {j1, j2}, {a1, a2}, {p1, p2}} {
			for i := range pair[0] {
				if d := math.Abs(pair[0][i] - pair[1][i]); d > 1e-12*(1+math.Abs(pair[1][i])) {
					t.Errorf("%s: interpreter %v, hand-written %v", c.name, pair[0], pair[1])
					break
				}
			}
		}
	}
}

type benchCase struct {
	name   string
	interp *System
	hand   fullSystem
}

func benchCases(t testing.TB) []benchCase {
	prog := examples(t)
	mk := func(name string) *System {
		s, err := New(prog.Model(name), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	lv := mk("LotkaVolterraUDE")
	return []benchCase{
		{"Lorenz", mk("Lorenz"), &lorenzHand{10, 28, 8.0 / 3}},
		{"Pendulum", mk("Pendulum"), &pendulumHand{0.1}},
		{"LotkaVolterraUDE", lv, newLVHand(lv)},
	}
}

// BenchmarkSystem times Func, Jac and VJP of the interpreter and of the
// hand-written (generated-style) reference on three example models.
func BenchmarkSystem(b *testing.B) {
	for _, c := range benchCases(b) {
		n := c.interp.Dim()
		y := []float64{0.7, -1.2, 0.4}[:n]
		a := []float64{0.3, 1.1, -0.6}[:n]
		dy := make([]float64, n)
		J := make([]float64, n*n)
		ap := make([]float64, len(c.interp.Params()))
		for _, impl := range []struct {
			name string
			s    fullSystem
		}{{"interpreter", c.interp}, {"handwritten", c.hand}} {
			s := impl.s
			b.Run(c.name+"/Func/"+impl.name, func(b *testing.B) {
				for b.Loop() {
					s.Func(0, y, dy)
				}
			})
			b.Run(c.name+"/Jac/"+impl.name, func(b *testing.B) {
				for b.Loop() {
					s.Jac(0, y, J)
				}
			})
			b.Run(c.name+"/VJP/"+impl.name, func(b *testing.B) {
				for b.Loop() {
					s.VJP(0, y, a, dy, ap)
				}
			})
		}
	}
}
