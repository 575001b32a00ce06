package ode

import "testing"

// BenchmarkLorenzDopri5 is the yardstick of ../shared/reference/dopri5_ref.c:
// Lorenz from t=0 to 100, y0=(1,1,1), dopri5, rtol 1e-8, atol 1e-10.
func BenchmarkLorenzDopri5(b *testing.B) {
	benchLorenz(b, &Options{Method: "dopri5", RTol: 1e-8, ATol: 1e-10})
}

func BenchmarkLorenzTsit5(b *testing.B) {
	benchLorenz(b, &Options{Method: "tsit5", RTol: 1e-8, ATol: 1e-10})
}

func BenchmarkLorenzDop853(b *testing.B) {
	benchLorenz(b, &Options{Method: "dop853", RTol: 1e-8, ATol: 1e-10})
}

// BenchmarkLorenzRK4 matches the reference's fixed-step RK4 (1e6 steps on
// [0, 100], h = 1e-4).
func BenchmarkLorenzRK4(b *testing.B) {
	benchLorenz(b, &Options{Method: "rk4", StepSize: 1e-4, MaxSteps: -1})
}

func benchLorenz(b *testing.B, opts *Options) {
	s, err := NewSolver(lorenz{}, opts)
	if err != nil {
		b.Fatal(err)
	}
	sol := new(Solution)
	y0, ts := []float64{1, 1, 1}, []float64{0, 100}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Solve(y0, ts, sol); err != nil {
			b.Fatal(err)
		}
	}
	st := sol.Stats
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(ns/float64(st.Accepted), "ns/step")
	b.ReportMetric(ns/float64(st.NFE), "ns/f-eval")
	b.ReportMetric(float64(st.Accepted), "steps")
	b.ReportMetric(float64(st.NFE), "f-evals")
}
