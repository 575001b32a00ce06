package sindy_test

import (
	"fmt"
	"math"
	"strings"

	"github.com/nodekit/nodekit/sindy"
)

// Discover x' = μx − x³ (μ = 1) from one trajectory and export it.
func Example() {
	var tr sindy.Trajectory
	x := 0.1
	for i := 0; i <= 1000; i++ {
		t := 0.01 * float64(i)
		tr.T = append(tr.T, t)
		// Exact solution of x' = x − x³ with x(0) = 0.1.
		x = 1 / math.Sqrt(1+(1/0.01-1)*math.Exp(-2*t))
		tr.X = append(tr.X, []float64{x})
	}
	m, err := sindy.Fit([]sindy.Trajectory{tr}, &sindy.Settings{
		Names:     []string{"x"},
		Library:   sindy.Polynomial{Degree: 3},
		Diff:      sindy.FiniteDifference{Order: 4},
		Optimizer: sindy.STLSQ{Threshold: 0.1, Unbias: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Equations(6)[0])
	src, _ := m.Node("Found", []float64{0.1})
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(line, "model") || strings.Contains(line, "state") || strings.Contains(line, "' =") && !strings.HasPrefix(line, "//") {
			fmt.Println(line)
		}
	}
	// Output:
	// x' = 1.000000 x - 1.000000 x^3
	// model Found {
	//     state x = 0.1
	//     x' = c0*x + c1*x^3
}
