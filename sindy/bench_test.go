package sindy

import (
	"testing"
)

// BenchmarkLorenzSTLSQ times a whole fit on pysindy's canonical Lorenz data
// (5000 samples, degree-2 library: 10 features, 3 targets): finite
// differences, library evaluation, normal equations and STLSQ. pysindy
// takes about 17.7 ms for the same fit.
func BenchmarkLorenzSTLSQ(b *testing.B) {
	data := []Trajectory{lorenzData()}
	s := &Settings{Names: []string{"x", "y", "z"}}
	var m *Model
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if m, err = Fit(data, s); err != nil {
			b.Fatal(err)
		}
	}
	var maxErr float64
	for i := range 3 {
		for j := range 10 {
			maxErr = max(maxErr, abs(m.Coef.At(i, j)-lorenzTrue.At(i, j)))
		}
	}
	b.ReportMetric(maxErr, "max-coef-err")
}

// BenchmarkLorenzWeak times the weak-form fit on the same data.
func BenchmarkLorenzWeak(b *testing.B) {
	data := []Trajectory{lorenzData()}
	s := &Settings{Names: []string{"x", "y", "z"}, Weak: &WeakForm{}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fit(data, s); err != nil {
			b.Fatal(err)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkLorenzNoisySearch times Search on the canonical data with 5%
// noise in pysindy's convention (one draw): weak-form regression, the
// threshold sweep, simulation fits of the candidates, the stepwise search
// and the final refinement.
func BenchmarkLorenzNoisySearch(b *testing.B) {
	data := []Trajectory{addNoiseRMS(lorenzData(), 0.05, 1)}
	s := &Settings{Names: []string{"x", "y", "z"}, Weak: &WeakForm{},
		Optimizer: STLSQ{Threshold: 0.05, Relative: true, Unbias: true}, Search: &Search{}}
	for b.Loop() {
		if _, err := Fit(data, s); err != nil {
			b.Fatal(err)
		}
	}
}
