package ode

import "testing"

// Stiff solvers on the test set's problems at rtol 1e-6 (atol 1e-10),
// with exact Jacobians, reusing one Solver and Solution.
func BenchmarkStiff(b *testing.B) {
	probs := []struct {
		name   string
		sys    System
		y0, ts []float64
	}{
		{"ROBER", robertson{}, []float64{1, 0, 0}, []float64{0, 1e11}},
		{"HIRES", hires{}, hiresY0, []float64{0, hiresT1}},
		{"VDPOL", vdpolUnscaled{1000}, []float64{2, 0}, []float64{0, 2000}},
	}
	for _, pr := range probs {
		for _, m := range append(stiffMethods, "auto") {
			b.Run(pr.name+"/"+m, func(b *testing.B) {
				s, err := NewSolver(pr.sys, &Options{Method: m, RTol: 1e-6, ATol: 1e-10})
				if err != nil {
					b.Fatal(err)
				}
				sol := new(Solution)
				b.ReportAllocs()
				for b.Loop() {
					if err := s.Solve(pr.y0, pr.ts, sol); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(sol.Stats.Accepted), "steps")
				b.ReportMetric(float64(sol.Stats.NFE), "nfe")
			})
		}
	}
}
