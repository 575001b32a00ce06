package train_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/train"
)

// TestCheckpointDirectoryCheckedUpFront: a checkpoint path in a missing
// directory (or under a regular file) is a configuration error from New,
// not an error CheckpointEvery iterations into the run.
func TestCheckpointDirectoryCheckedUpFront(t *testing.T) {
	data := spiral(t, 30, 3)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(dir, "missing", "ckpt"),
		filepath.Join(file, "ckpt"),
		dir, // a directory, not a file
	} {
		cfg := config(adjoint.Backsolve)
		cfg.Iters, cfg.CheckpointEvery, cfg.CheckpointPath = 4, 2, path
		_, err := train.New(newField(1), nn.NewRMSprop(1e-3), data, cfg)
		if !errors.Is(err, train.ErrConfig) || !strings.Contains(err.Error(), path) {
			t.Errorf("checkpoint path %s: err = %v, want ErrConfig naming it", path, err)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("the checks left %d entries in the directory, want 1", len(ents))
	}

	// Save to a path that cannot be written fails, changes nothing and
	// leaves no file behind.
	cfg := config(adjoint.Backsolve)
	cfg.Iters = 2
	tr, err := train.New(newField(1), nn.NewRMSprop(1e-3), data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	before := append([]float64(nil), tr.Params()...)
	for _, path := range []string{filepath.Join(dir, "missing", "ckpt"), filepath.Join(file, "ckpt")} {
		if err := tr.Save(path); err == nil {
			t.Errorf("Save(%s) succeeded", path)
		}
	}
	if tr.Iter() != 2 {
		t.Errorf("failed saves moved the iteration to %d", tr.Iter())
	}
	for i, v := range tr.Params() {
		if v != before[i] {
			t.Fatal("failed saves changed the parameters")
		}
	}
	if _, err := tr.Step(); err != nil {
		t.Errorf("step after failed saves: %v", err)
	}
}

// TestNonFiniteLossStops: a loss or gradient that is NaN or Inf stops the
// run with an error naming the iteration (runtime/adjoint detects it), and
// the parameters are not updated with it.
func TestNonFiniteLossStops(t *testing.T) {
	data := spiral(t, 40, 4)
	for _, c := range []struct {
		name string
		loss func(pred, target, grad []float64) float64
	}{
		{"nan loss", func(pred, target, grad []float64) float64 {
			nn.L1(pred, target, grad)
			return math.NaN()
		}},
		{"inf gradient", func(pred, target, grad []float64) float64 {
			l := nn.L1(pred, target, grad)
			if grad != nil {
				grad[0] = math.Inf(1)
			}
			return l
		}},
	} {
		calls := 0
		cfg := config(adjoint.Discrete)
		cfg.Iters, cfg.EvalEvery = 5, 0
		cfg.Loss = func(pred, target, grad []float64) float64 {
			calls++
			if calls <= 2*cfg.BatchTime { // the first two iterations are clean
				return nn.L1(pred, target, grad)
			}
			return c.loss(pred, target, grad)
		}
		f := newField(1)
		tr, err := train.New(f, nn.NewAdam(1e-2), data, cfg)
		if err != nil {
			t.Fatal(err)
		}
		err = tr.Run()
		if !errors.Is(err, adjoint.ErrNonFinite) || !strings.Contains(err.Error(), "iteration 3") {
			t.Errorf("%s: err = %v, want adjoint.ErrNonFinite at iteration 3", c.name, err)
		}
		if tr.Iter() != 2 {
			t.Errorf("%s: stopped at iteration %d, want 2", c.name, tr.Iter())
		}
		for i, v := range f.Params() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: parameter %d is %g", c.name, i, v)
			}
		}
	}
}

// TestResumeDifferentConfig: a checkpoint resumed with another batch
// shape, other outputs, another amount of data or another state size
// would not continue the run it came from; Load says which.
func TestResumeDifferentConfig(t *testing.T) {
	data := spiral(t, 40, 4)
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
	path := filepath.Join(dir, "ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		mut  func(*train.Config, *train.Data)
		want string
	}{
		{"batch size", func(c *train.Config, _ *train.Data) { c.BatchSize = 5 }, "batch size"},
		{"batch time", func(c *train.Config, _ *train.Data) { c.BatchTime = 4 }, "batch time"},
		{"outputs", func(c *train.Config, _ *train.Data) { c.Outputs = []int{1} }, "outputs"},
		{"data", func(_ *train.Config, d *train.Data) { d.T, d.Y = d.T[:30], d.Y[:30] }, "samples"},
	} {
		cfg2, d := cfg, data
		c.mut(&cfg2, &d)
		other, err := train.New(newField(2), nn.NewRMSprop(1e-3), d, cfg2)
		if err != nil {
			t.Fatal(err)
		}
		before := append([]float64(nil), other.Params()...)
		err = other.Load(path)
		if !errors.Is(err, train.ErrCheckpoint) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrCheckpoint naming %q", c.name, err, c.want)
		}
		if other.Iter() != 0 || other.Params()[0] != before[0] {
			t.Errorf("%s: a refused load changed the trainer", c.name)
		}
	}
	// More iterations, other evaluation and checkpoint intervals are fine.
	cfg3 := cfg
	cfg3.Iters, cfg3.EvalEvery = 10, 3
	ok, err := train.New(newField(2), nn.NewRMSprop(1e-3), data, cfg3)
	if err != nil {
		t.Fatal(err)
	}
	if err := ok.Load(path); err != nil {
		t.Errorf("resume with more iterations: %v", err)
	}
}

// TestDataTimesFinite: an infinite time stamp is bad data.
func TestDataTimesFinite(t *testing.T) {
	data := spiral(t, 30, 3)
	data.T = append(append([]float64(nil), data.T[:29]...), math.Inf(1))
	if _, err := train.New(newField(1), nn.NewRMSprop(1e-3), data, config(adjoint.Backsolve)); !errors.Is(err, train.ErrData) {
		t.Errorf("infinite time: err = %v, want ErrData", err)
	}
}

// TestFewerSamplesThanBatchTime: data shorter than one window is a
// configuration error, not a panic while sizing the sampler.
func TestFewerSamplesThanBatchTime(t *testing.T) {
	data := spiral(t, 30, 3)
	for _, n := range []int{0, 1, 5, 10} {
		d := train.Data{T: data.T[:n], Y: data.Y[:n]}
		cfg := config(adjoint.Backsolve)
		cfg.BatchSize, cfg.BatchTime = 1, 10
		if _, err := train.New(newField(1), nn.NewRMSprop(1e-3), d, cfg); !errors.Is(err, train.ErrConfig) {
			t.Errorf("%d samples, BatchTime 10: err = %v, want ErrConfig", n, err)
		}
	}
}
