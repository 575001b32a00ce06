package train_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
	"github.com/nodekit/nodekit/runtime/train"
)

// spiral returns n samples of torchdiffeq's spiral dy/dt = (y³)A on [0, tEnd].
func spiral(t *testing.T, n int, tEnd float64) train.Data {
	sys := &ode.Func{N: 2, F: func(_ float64, y, dy []float64) {
		a, b := y[0]*y[0]*y[0], y[1]*y[1]*y[1]
		dy[0] = -0.1*a - 2*b
		dy[1] = 2*a - 0.1*b
	}}
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = tEnd * float64(i) / float64(n-1)
	}
	sol, err := ode.Solve(sys, []float64{2, 0}, ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return train.Data{T: ts, Y: sol.Y}
}

func newField(seed uint64) *train.NeuralField {
	m := nn.NewMLPWith(nn.MLPOptions{Sizes: []int{2, 16, 2}, Act: nn.Tanh, Init: nn.InitNormal, Sigma: 0.1, RNG: nn.NewRNG(seed)})
	return train.NewNeuralField(m.Sequential, train.Cube)
}

func TestNeuralFieldVJP(t *testing.T) {
	f := newField(2)
	sys := f.System(3)
	n := sys.Dim()
	if n != 6 {
		t.Fatalf("Dim = %d, want 6", n)
	}
	y := []float64{0.3, -1.2, 1.5, 0.2, -0.7, 0.9}
	a := []float64{0.5, -0.1, 0.3, 0.8, -0.6, 0.2}
	ay := make([]float64, n)
	ap := make([]float64, len(f.Params()))
	sys.VJP(0, y, a, ay, ap)
	dy := make([]float64, n)
	qf := func(yy []float64) float64 {
		sys.Func(0, yy, dy)
		s := 0.0
		for i, v := range dy {
			s += a[i] * v
		}
		return s
	}
	wantY := fd.Gradient(nil, qf, y, nil)
	p0 := append([]float64(nil), f.Params()...)
	wantP := fd.Gradient(nil, func(p []float64) float64 {
		copy(f.Params(), p)
		defer copy(f.Params(), p0)
		return qf(y)
	}, p0, nil)
	for i := range ay {
		if math.Abs(ay[i]-wantY[i]) > 1e-6 {
			t.Errorf("ay[%d] = %g, FD %g", i, ay[i], wantY[i])
		}
	}
	for i := range ap {
		if math.Abs(ap[i]-wantP[i]) > 1e-6 {
			t.Errorf("ap[%d] = %g, FD %g", i, ap[i], wantP[i])
		}
	}
	// FuncVJP gives the same as Func and VJP separately.
	fv := sys.(adjoint.FuncVJPer)
	dy2, ay2, ap2 := make([]float64, n), make([]float64, n), make([]float64, len(ap))
	fv.FuncVJP(0, y, a, dy2, ay2, ap2)
	sys.Func(0, y, dy)
	for i := range dy {
		if dy[i] != dy2[i] || ay[i] != ay2[i] {
			t.Errorf("FuncVJP differs at %d: %g %g vs %g %g", i, dy2[i], ay2[i], dy[i], ay[i])
		}
	}
	for i := range ap {
		if ap[i] != ap2[i] {
			t.Errorf("FuncVJP ap[%d] = %g, VJP %g", i, ap2[i], ap[i])
		}
	}
	// Slots keep three evaluations apart; their VJPs in reverse order
	// equal plain VJPs at the same points.
	sv := sys.(adjoint.StageVJPer)
	pts := [][]float64{y, {1, 1, 1, 1, 1, 1}, {-0.5, 0.4, 0.3, -0.2, 0.1, 0.6}}
	for k, p := range pts {
		sv.FuncSlot(k, 0, p, dy2)
		sys.Func(0, p, dy)
		for i := range dy {
			if dy[i] != dy2[i] {
				t.Fatalf("FuncSlot(%d) differs from Func", k)
			}
		}
	}
	for k := len(pts) - 1; k >= 0; k-- {
		clear(ap)
		clear(ap2)
		sys.VJP(0, pts[k], a, ay, ap)
		sv.VJPSlot(k, a, ay2, ap2)
		for i := range ay {
			if ay[i] != ay2[i] {
				t.Errorf("VJPSlot(%d) ay[%d] = %g, VJP %g", k, i, ay2[i], ay[i])
			}
		}
		for i := range ap {
			if ap[i] != ap2[i] {
				t.Errorf("VJPSlot(%d) ap[%d] = %g, VJP %g", k, i, ap2[i], ap[i])
			}
		}
	}
}

func config(m adjoint.Method) train.Config {
	return train.Config{
		BatchSize: 8, BatchTime: 6, Seed: 42, Loss: nn.L1, EvalEvery: 5,
		Gradient: adjoint.Options{Method: m, Solver: &ode.Options{RTol: 1e-6, ATol: 1e-8}},
	}
}

func TestResumeIdentical(t *testing.T) {
	data := spiral(t, 120, 6)
	dir := t.TempDir()
	for _, m := range []adjoint.Method{adjoint.Backsolve, adjoint.Checkpoint, adjoint.Discrete} {
		for _, mkOpt := range []func() nn.StatefulOptimizer{
			func() nn.StatefulOptimizer { return nn.NewRMSprop(1e-2) },
			func() nn.StatefulOptimizer { return nn.NewAdam(1e-2) },
		} {
			const N = 16
			cfg := config(m)
			cfg.Iters = N
			fa := newField(1)
			a, err := train.New(fa, mkOpt(), data, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Run(); err != nil {
				t.Fatal(err)
			}

			path := filepath.Join(dir, "ckpt")
			cfg.Iters = N / 2
			fb := newField(1)
			b, err := train.New(fb, mkOpt(), data, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Run(); err != nil {
				t.Fatal(err)
			}
			if err := b.Save(path); err != nil {
				t.Fatal(err)
			}
			// resume into a differently initialised model and trainer
			cfg.Iters = N
			fc := newField(99)
			c, err := train.New(fc, mkOpt(), data, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Load(path); err != nil {
				t.Fatal(err)
			}
			if c.Iter() != N/2 {
				t.Fatalf("resumed at iteration %d, want %d", c.Iter(), N/2)
			}
			if err := c.Run(); err != nil {
				t.Fatal(err)
			}
			pa, pc := fa.Params(), fc.Params()
			same := true
			for i := range pa {
				if math.Float64bits(pa[i]) != math.Float64bits(pc[i]) {
					same = false
				}
			}
			if !same {
				t.Errorf("%v/%T: resumed parameters differ from the uninterrupted run", m, a)
			}
			if a.LastLoss() != c.LastLoss() {
				t.Errorf("%v: last loss %v vs %v", m, a.LastLoss(), c.LastLoss())
			}
		}
	}
}

func TestLearns(t *testing.T) {
	data := spiral(t, 200, 10)
	cfg := config(adjoint.Backsolve)
	cfg.Iters, cfg.EvalEvery = 150, 50
	var evals []float64
	cfg.OnEval = func(iter int, l float64) { evals = append(evals, l) }
	f := newField(3)
	tr, err := train.New(f, nn.NewAdam(2e-2), data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	l0, err := tr.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	t.Logf("full-trajectory L1: %.4f before, %v at 50/100/150", l0, evals)
	if len(evals) != 3 {
		t.Fatalf("OnEval called %d times, want 3", len(evals))
	}
	if !(evals[2] < 0.5*l0) {
		t.Errorf("loss %.4g after 150 iterations, not below half the initial %.4g", evals[2], l0)
	}
	if len(tr.Trajectory()) != len(data.T) {
		t.Errorf("trajectory has %d states, want %d", len(tr.Trajectory()), len(data.T))
	}
}

func TestStepAllocations(t *testing.T) {
	data := spiral(t, 100, 5)
	for _, m := range []adjoint.Method{adjoint.Backsolve, adjoint.Discrete} {
		tr, err := train.New(newField(1), nn.NewRMSprop(1e-3), data, config(m))
		if err != nil {
			t.Fatal(err)
		}
		step := func() {
			if _, err := tr.Step(); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 3; i++ {
			step()
		}
		if a := testing.AllocsPerRun(10, step); a != 0 && !raceEnabled {
			t.Errorf("%v: %v allocations per step", m, a)
		}
	}
}

func TestProgressOffWhenNotTerminal(t *testing.T) {
	data := spiral(t, 60, 3)
	var buf bytes.Buffer
	cfg := config(adjoint.Backsolve)
	cfg.Iters, cfg.Progress = 3, &buf
	tr, err := train.New(newField(1), nn.NewRMSprop(1e-3), data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("progress written to a non-terminal: %q", buf.String())
	}
}

func TestConfigErrors(t *testing.T) {
	data := spiral(t, 30, 3)
	f := newField(1)
	bad := []struct {
		name string
		mut  func(*train.Config, *train.Data)
		want error
	}{
		{"batch time 1", func(c *train.Config, _ *train.Data) { c.BatchTime = 1 }, train.ErrConfig},
		{"batch too big", func(c *train.Config, _ *train.Data) { c.BatchSize = 25 }, train.ErrConfig},
		{"negative iters", func(c *train.Config, _ *train.Data) { c.Iters = -1 }, train.ErrConfig},
		{"output out of range", func(c *train.Config, _ *train.Data) { c.Outputs = []int{2} }, train.ErrConfig},
		{"checkpoint without path", func(c *train.Config, _ *train.Data) { c.CheckpointEvery = 2 }, train.ErrConfig},
		{"times", func(_ *train.Config, d *train.Data) { d.T = append([]float64{1}, d.T[1:]...) }, train.ErrData},
		{"lengths", func(_ *train.Config, d *train.Data) { d.Y = d.Y[:10] }, train.ErrData},
		{"state size", func(_ *train.Config, d *train.Data) { d.Y = append([][]float64{{1, 2, 3}}, d.Y[1:]...) }, train.ErrData},
		{"nan", func(_ *train.Config, d *train.Data) { d.Y = append([][]float64{{math.NaN(), 0}}, d.Y[1:]...) }, train.ErrData},
	}
	for _, c := range bad {
		cfg, d := config(adjoint.Backsolve), data
		c.mut(&cfg, &d)
		if _, err := train.New(f, nn.NewRMSprop(1e-3), d, cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	cfg := config(adjoint.Backsolve)
	cfg.CheckpointEvery, cfg.CheckpointPath = 1, filepath.Join(t.TempDir(), "x")
	if _, err := train.New(f, stateless{}, data, cfg); !errors.Is(err, train.ErrOptimizerState) {
		t.Errorf("stateless optimiser with checkpoints: err = %v", err)
	}
}

// stateless is an optimiser that cannot save its state.
type stateless struct{}

func (stateless) Step(p, g []float64) {
	for i := range p {
		p[i] -= 0.01 * g[i]
	}
}
func (stateless) LearningRate() float64   { return 0.01 }
func (stateless) SetLearningRate(float64) {}
func (stateless) Reset()                  {}

func TestLoadErrors(t *testing.T) {
	data := spiral(t, 30, 3)
	dir := t.TempDir()
	cfg := config(adjoint.Backsolve)
	cfg.Iters = 2
	tr, err := train.New(newField(1), nn.NewRMSprop(1e-3), data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good")
	if err := tr.Save(good); err != nil {
		t.Fatal(err)
	}
	before := append([]float64(nil), tr.Params()...)

	corrupt := filepath.Join(dir, "corrupt")
	raw, _ := os.ReadFile(good)
	if err := os.WriteFile(corrupt, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	other, err := train.New(newField(1), nn.NewAdam(1e-3), data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	bigger := train.NewNeuralField(nn.NewMLP([]int{2, 5, 2}, nn.Tanh, nn.NewRNG(1)).Sequential, nil)
	big, err := train.New(bigger, nn.NewRMSprop(1e-3), data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		tr   *train.Trainer
		path string
	}{
		{"corrupt", tr, corrupt},
		{"missing", tr, filepath.Join(dir, "missing")},
		{"other optimiser", other, good},
		{"other model", big, good},
	} {
		if err := c.tr.Load(c.path); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	for i, v := range tr.Params() {
		if v != before[i] {
			t.Fatalf("failed loads changed the parameters")
		}
	}
	if err := tr.Load(good); err != nil {
		t.Errorf("loading a good checkpoint: %v", err)
	}

	// A checkpoint whose optimiser state has the wrong size is refused;
	// one written when train had its own optimiser types still loads.
	ts, meta, err := nn.DecodeSafetensors(raw)
	if err != nil {
		t.Fatal(err)
	}
	legacy := map[string]string{}
	for k, v := range meta {
		legacy[k] = v
	}
	legacy["train.optimizer"] = "*train.RMSprop"
	write := func(name string, ts []nn.Tensor, meta map[string]string) string {
		buf, err := nn.EncodeSafetensors(ts, meta)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if err := tr.Load(write("legacy", ts, legacy)); err != nil {
		t.Errorf("checkpoint naming *train.RMSprop: %v", err)
	}
	var short []nn.Tensor
	for _, x := range ts {
		if x.Name == "optimizer.square_avg" {
			x.Data, x.Shape = x.Data[:3], []int{3}
		}
		short = append(short, x)
	}
	if err := tr.Load(write("short", short, meta)); !errors.Is(err, train.ErrCheckpoint) || !errors.Is(err, nn.ErrMismatch) {
		t.Errorf("short optimiser state: err = %v", err)
	}
}
