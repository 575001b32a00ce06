package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/nodekit/nodekit/runtime/adjoint"
)

var finalLoss = regexp.MustCompile(`final full-trajectory L1 loss ([0-9.]+) after (\d+) iterations`)

func TestDemoLearnsAndPlots(t *testing.T) {
	dir := t.TempDir()
	losses := map[string]float64{}
	for _, g := range []string{"backsolve", "checkpoint", "discrete"} {
		out := ""
		if g == "discrete" {
			out = dir
		}
		var buf bytes.Buffer
		if err := run([]string{"-niters", "60", "-data_size", "400", "-grad", g, "-out", out}, &buf); err != nil {
			t.Fatal(err)
		}
		m := finalLoss.FindStringSubmatch(buf.String())
		if m == nil || m[2] != "60" {
			t.Fatalf("%s: no final loss in output:\n%s", g, buf.String())
		}
		l, _ := strconv.ParseFloat(m[1], 64)
		losses[g] = l
	}
	s, err := newSetup(params{dataSize: 400, batchTime: 10, batchSize: 20, rtol: 1e-7, atol: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	l0, err := s.tr.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("L1 untrained %.4f, after 60 iterations: %v", l0, losses)
	// 60 steps of RMSprop must improve on the untrained model, and the
	// three gradient methods must agree.
	for g, l := range losses {
		if !(l < l0-0.02) {
			t.Errorf("%s: loss %.4f after 60 iterations", g, l)
		}
		if d := l - losses["backsolve"]; d > 1e-3 || d < -1e-3 {
			t.Errorf("%s: loss %.6f differs from backsolve's %.6f", g, l, losses["backsolve"])
		}
	}
	st, err := os.Stat(filepath.Join(dir, "spiral.png"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < 10000 {
		t.Errorf("spiral.png is only %d bytes", st.Size())
	}
}

func TestResumeFlag(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "s.ckpt")
	var a, b, c bytes.Buffer
	base := []string{"-data_size", "300", "-grad", "discrete", "-out", "", "-ckpt", ckpt, "-test_freq", "10"}
	if err := run(append([]string{"-niters", "20"}, base...), &a); err != nil {
		t.Fatal(err)
	}
	if err := run(append([]string{"-niters", "10", "-ckpt_every", "10"}, base...), &b); err != nil {
		t.Fatal(err)
	}
	if err := run(append([]string{"-niters", "20", "-resume"}, base...), &c); err != nil {
		t.Fatal(err)
	}
	la, lc := finalLoss.FindStringSubmatch(a.String()), finalLoss.FindStringSubmatch(c.String())
	if la == nil || lc == nil || la[1] != lc[1] {
		t.Errorf("resumed run ends with %v, uninterrupted with %v", lc, la)
	}
}

func BenchmarkSpiralIteration(b *testing.B) {
	for _, m := range []adjoint.Method{adjoint.Backsolve, adjoint.Checkpoint, adjoint.Discrete} {
		b.Run(m.String(), func(b *testing.B) {
			s, err := newSetup(params{niters: 1 << 30, dataSize: 1000, batchTime: 10, batchSize: 20, rtol: 1e-7, atol: 1e-9, grad: m})
			if err != nil {
				b.Fatal(err)
			}
			// Warm up past the first iterations, whose untrained field
			// needs few steps, so the figure reflects a training run.
			for i := 0; i < 50; i++ {
				if _, err := s.tr.Step(); err != nil {
					b.Fatal(err)
				}
			}
			nfe := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.tr.Step(); err != nil {
					b.Fatal(err)
				}
				st := s.tr.LastStats()
				nfe += st.Forward.NFE + st.Backward.NFE
			}
			b.ReportMetric(float64(nfe)/float64(b.N), "NFE/op")
		})
	}
}

// BenchmarkSpiralReference is one evaluation of the minibatch's field
// and its vector–Jacobian product (FuncVJP, batch 20): a fixed unit of
// work to divide BenchmarkSpiralIteration by on a shared machine.
func BenchmarkSpiralReference(b *testing.B) {
	s, err := newSetup(params{niters: 1, dataSize: 1000, batchTime: 10, batchSize: 20, rtol: 1e-7, atol: 1e-9})
	if err != nil {
		b.Fatal(err)
	}
	sys := s.field.System(20)
	fv := sys.(adjoint.FuncVJPer)
	n := sys.Dim()
	y, a, dy, ay := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	ap := make([]float64, len(sys.Params()))
	for i := range y {
		y[i], a[i] = s.data.Y[10*i][i%2], 1
	}
	b.ReportAllocs()
	for b.Loop() {
		fv.FuncVJP(0, y, a, dy, ay, ap)
	}
}
