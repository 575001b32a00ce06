package nn_test

import (
	"fmt"
	"math"

	"github.com/nodekit/nodekit/runtime/nn"
)

// Fit sin(x) on [−3, 3] with a 1-32-1 tanh MLP and Adam.
func Example() {
	const n = 64
	x := make([]float64, n)
	target := make([]float64, n)
	for i := range x {
		x[i] = -3 + 6*float64(i)/(n-1)
		target[i] = math.Sin(x[i])
	}
	m := nn.NewMLP([]int{1, 32, 1}, nn.Tanh, nn.NewRNG(1))
	opt := nn.NewAdam(0.01)
	pred := make([]float64, n)
	gpred := make([]float64, n)
	grad := make([]float64, m.NumParams())
	var loss float64
	for range 2000 {
		m.Forward(x, pred, n)
		loss = nn.MSE(pred, target, gpred)
		clear(grad)
		m.Backward(gpred, nil, grad)
		opt.Step(m.Params(), grad)
	}
	fmt.Println("parameters:", m.NumParams())
	fmt.Println("fitted:", loss < 1e-3)
	// Output:
	// parameters: 97
	// fitted: true
}

// The Hutchinson estimate of the Jacobian trace of a CNF vector field and
// its gradient with respect to the state and the parameters.
func ExampleSequential_HutchinsonVJP() {
	f := nn.NewMLP([]int{2, 16, 2}, nn.Softplus, nn.NewRNG(1))
	z := []float64{0.5, -1}
	eps := []float64{1, -1} // a Rademacher probe
	fz := make([]float64, 2)
	tr := make([]float64, 1)
	f.HutchinsonTrace(z, eps, fz, tr, 1)

	gz := make([]float64, 2)
	grad := make([]float64, f.NumParams())
	f.HutchinsonVJP(z, eps, nil, []float64{1}, gz, grad, 1) // d tr / d(z, θ)
	fmt.Println(len(gz), len(grad))
	// Output: 2 82
}
