package nn

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

func TestLossValues(t *testing.T) {
	// Hand-computed values.
	if got := MSE([]float64{1, 2, 3}, []float64{1, 0, 0}, nil); got != (0+4+9)/3.0 {
		t.Errorf("MSE = %v, want 13/3", got)
	}
	if got := L1([]float64{1, 2, -3}, []float64{1, 0, 0}, nil); got != 5/3.0 {
		t.Errorf("L1 = %v, want 5/3", got)
	}
	// Two equal logits: loss log 2.
	if got := CrossEntropyLogits([]float64{0.5, 0.5}, []int{1}, 2, nil); math.Abs(got-math.Ln2) > 1e-15 {
		t.Errorf("CE = %v, want log 2", got)
	}
	// Logits far apart do not overflow.
	if got := CrossEntropyLogits([]float64{1000, 0}, []int{0}, 2, nil); got != 0 {
		t.Errorf("CE with large logit = %v, want 0", got)
	}
	// Standard normal density at 0: NLL = ½ log 2π.
	if got := GaussianNLL([]float64{0}, []float64{0}, []float64{0}, 1, nil, nil); math.Abs(got-0.5*math.Log(2*math.Pi)) > 1e-15 {
		t.Errorf("GaussianNLL = %v, want ½ log 2π", got)
	}
	// KL(N(1, 1) ‖ N(0, 1)) = ½.
	if got := KLDiagGaussian([]float64{1}, []float64{0}, nil, nil, 1, nil, nil); got != 0.5 {
		t.Errorf("KL = %v, want 0.5", got)
	}
	// KL(N(0, e²) ‖ N(0, 1)) = ½(e² − 2 − 1) per the closed form with lv1 = 2.
	if got, want := KLDiagGaussian([]float64{0}, []float64{2}, nil, nil, 1, nil, nil), 0.5*(math.Exp(2)-3); math.Abs(got-want) > 1e-14 {
		t.Errorf("KL = %v, want %v", got, want)
	}
	// KL of a distribution with itself is 0.
	if got := KLDiagGaussian([]float64{0.3, -1}, []float64{0.2, 1}, []float64{0.3, -1}, []float64{0.2, 1}, 1, nil, nil); math.Abs(got) > 1e-15 {
		t.Errorf("KL(p‖p) = %v", got)
	}
}

func TestLossGrads(t *testing.T) {
	rng := NewRNG(7)
	const b, n = 3, 4
	pred := randVec(rng, b*n)
	target := randVec(rng, b*n)
	lv := randVec(rng, b*n)
	mu2 := randVec(rng, b*n)
	lv2 := randVec(rng, b*n)
	labels := []int{0, 3, 2}
	g := make([]float64, b*n)
	g2 := make([]float64, b*n)

	MSE(pred, target, g)
	closeVec(t, "MSE", g, fd.Gradient(nil, func(p []float64) float64 { return MSE(p, target, nil) }, pred, central), 1e-8)
	L1(pred, target, g)
	closeVec(t, "L1", g, fd.Gradient(nil, func(p []float64) float64 { return L1(p, target, nil) }, pred, central), 1e-8)
	CrossEntropyLogits(pred, labels, n, g)
	closeVec(t, "CE", g, fd.Gradient(nil, func(p []float64) float64 { return CrossEntropyLogits(p, labels, n, nil) }, pred, central), 1e-8)

	GaussianNLL(pred, lv, target, b, g, g2)
	closeVec(t, "NLL mean", g, fd.Gradient(nil, func(p []float64) float64 { return GaussianNLL(p, lv, target, b, nil, nil) }, pred, central), 1e-8)
	closeVec(t, "NLL logvar", g2, fd.Gradient(nil, func(p []float64) float64 { return GaussianNLL(pred, p, target, b, nil, nil) }, lv, central), 1e-8)

	KLDiagGaussian(pred, lv, mu2, lv2, b, g, g2)
	closeVec(t, "KL mu", g, fd.Gradient(nil, func(p []float64) float64 { return KLDiagGaussian(p, lv, mu2, lv2, b, nil, nil) }, pred, central), 1e-8)
	closeVec(t, "KL lv", g2, fd.Gradient(nil, func(p []float64) float64 { return KLDiagGaussian(pred, p, mu2, lv2, b, nil, nil) }, lv, central), 1e-8)
	KLDiagGaussian(pred, lv, nil, nil, b, g, g2)
	closeVec(t, "KL prior mu", g, fd.Gradient(nil, func(p []float64) float64 { return KLDiagGaussian(p, lv, nil, nil, b, nil, nil) }, pred, central), 1e-8)
}
