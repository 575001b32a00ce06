package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// A short training run: the loss drops by more than 20× and the learned
// mean and standard deviation at the observation times come within 0.06
// and 0.04 of the exact Ornstein–Uhlenbeck statistics (σ_∞ = 0.25; the
// data themselves, 4096 paths, are within about 0.01 of them).
func TestTrainApproachesTrueStatistics(t *testing.T) {
	res, err := train(config{iters: 150, paths: 64, seed: 3, lr: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	first := res.losses[0]
	last := 0.0
	for _, l := range res.losses[len(res.losses)-10:] {
		last += l / 10
	}
	t.Logf("loss %.4f → %.4f (mean of the last 10)", first, last)
	if !(last < first/20) {
		t.Errorf("loss %.4f → %.4f: did not drop 20×", first, last)
	}
	var em, es float64
	for k, tk := range res.ts {
		em = math.Max(em, math.Abs(res.learned.mean[k]-trueMean(tk)))
		es = math.Max(es, math.Abs(res.learned.std[k]-trueStd(tk)))
		if d := math.Abs(res.data.std[k] - trueStd(tk)); d > 0.015 {
			t.Errorf("data std at t=%g off by %.3f", tk, d)
		}
	}
	t.Logf("max |learned − true|: mean %.4f, std %.4f", em, es)
	if em > 0.06 || es > 0.04 {
		t.Errorf("learned statistics too far from the true ones: mean %.4f, std %.4f", em, es)
	}
	png := filepath.Join(t.TempDir(), "fit.png")
	if err := drawPNG(png, res, 3); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(png); err != nil || st.Size() < 5000 {
		t.Errorf("PNG not written: %v", err)
	}
}
