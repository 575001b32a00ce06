package train

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/nn"
	"github.com/nodekit/nodekit/runtime/ode"
)

// Model is a trainable vector field that can be evaluated for a batch of
// states stacked into one system.
type Model interface {
	// Params aliases the trainable parameters.
	Params() []float64
	// StateDim is the size of one state.
	StateDim() int
	// System returns the field for batch states (dimension
	// batch·StateDim()), sharing Params. Calls with the same batch may
	// return the same value.
	System(batch int) ode.Differentiable
}

// Data is one observed trajectory: Y[i] is the state at time T[i]. T must
// be strictly increasing.
type Data struct {
	T []float64
	Y [][]float64
}

// Config configures a Trainer. The zero value of each field means the
// default given in its comment.
type Config struct {
	// Iters is the number of optimiser steps Run takes in total
	// (counting those restored from a checkpoint).
	Iters int
	// BatchSize windows per minibatch (default 20), each of BatchTime
	// samples (default 10). As in torchdiffeq's get_batch, the window
	// starts are drawn without replacement from 0 … len(T)−BatchTime−1
	// and every window is solved over T[0 : BatchTime], which assumes an
	// autonomous field on a uniform time grid.
	BatchSize, BatchTime int
	// Seed seeds the random generator that draws the minibatches.
	Seed uint64
	// Gradient selects the gradient method and the solvers.
	Gradient adjoint.Options
	// Loss is the loss on (prediction, target), returning its value and
	// writing its gradient (nn.L1, nn.MSE); nil means nn.L1. It is applied
	// per observation time to the whole minibatch's chosen components,
	// and averaged over the observation times.
	Loss func(pred, target, grad []float64) float64
	// Outputs lists the state components that enter the loss; nil means
	// all.
	Outputs []int
	// EvalEvery evaluates the loss on the full trajectory every EvalEvery
	// iterations (0: never) and passes it to OnEval.
	EvalEvery int
	OnEval    func(iter int, loss float64)
	// CheckpointEvery saves a checkpoint to CheckpointPath every
	// CheckpointEvery iterations (0: never).
	CheckpointEvery int
	CheckpointPath  string
	// Progress receives a progress bar with the loss and the function
	// evaluations per iteration, drawn only when it is a terminal.
	Progress io.Writer
}

// Trainer runs the training loop. It is not safe for concurrent use.
type Trainer struct {
	model Model
	opt   nn.Optimizer
	data  Data
	cfg   Config
	dim   int // StateDim
	outs  []int

	pcg  *rand.PCG
	rng  *rand.Rand
	iter int

	ws     *adjoint.Workspace
	res    adjoint.Result
	lossFn adjoint.LossFunc
	y0     []float64
	idx    []int
	perm   []int
	pred   []float64
	target []float64
	grad   []float64

	eval    *ode.Solver
	evalSol ode.Solution

	lastLoss, lastEval float64
	lastNFE            int
}

// New checks data and cfg and prepares a trainer for model with optimiser
// opt.
func New(model Model, opt nn.Optimizer, data Data, cfg Config) (*Trainer, error) {
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 20
	}
	if cfg.BatchTime == 0 {
		cfg.BatchTime = 10
	}
	if cfg.Loss == nil {
		cfg.Loss = nn.L1
	}
	t := &Trainer{model: model, opt: opt, data: data, cfg: cfg, dim: model.StateDim(), lastEval: math.NaN()}
	if err := t.validate(); err != nil {
		return nil, err
	}
	t.outs = cfg.Outputs
	if t.outs == nil {
		t.outs = make([]int, t.dim)
		for i := range t.outs {
			t.outs[i] = i
		}
	}
	t.pcg = rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)
	t.rng = rand.New(t.pcg)
	var err error
	if t.ws, err = adjoint.NewWorkspace(model.System(cfg.BatchSize), &cfg.Gradient); err != nil {
		return nil, err
	}
	if t.eval, err = ode.NewSolver(model.System(1), cfg.Gradient.Solver); err != nil {
		return nil, err
	}
	b, no := cfg.BatchSize, len(t.outs)
	t.y0 = make([]float64, b*t.dim)
	t.idx = make([]int, b)
	t.perm = make([]int, len(data.T)-cfg.BatchTime)
	t.pred = make([]float64, b*no)
	t.target = make([]float64, b*no)
	t.grad = make([]float64, b*no)
	t.lossFn = t.batchLoss
	return t, nil
}

func (t *Trainer) validate() error {
	c, d := &t.cfg, &t.data
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
	}
	if len(d.T) != len(d.Y) {
		return fmt.Errorf("%w: %d times but %d states", ErrData, len(d.T), len(d.Y))
	}
	for i, y := range d.Y {
		if len(y) != t.dim {
			return fmt.Errorf("%w: state %d has %d values, the model's states have %d", ErrData, i, len(y), t.dim)
		}
		for k, v := range y {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: Y[%d][%d] = %g is not finite", ErrData, i, k, v)
			}
		}
	}
	for i, v := range d.T {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: T[%d] = %g is not finite", ErrData, i, v)
		}
	}
	for i := 1; i < len(d.T); i++ {
		if !(d.T[i] > d.T[i-1]) {
			return fmt.Errorf("%w: times must increase strictly: T[%d] = %g after T[%d] = %g", ErrData, i, d.T[i], i-1, d.T[i-1])
		}
	}
	switch {
	case c.Iters < 0:
		return bad("Iters = %d is negative", c.Iters)
	case c.BatchTime < 2:
		return bad("BatchTime = %d, need at least 2", c.BatchTime)
	case c.BatchSize < 1:
		return bad("BatchSize = %d, need at least 1", c.BatchSize)
	case len(d.T)-c.BatchTime < c.BatchSize:
		return bad("%d samples give %d window starts for BatchTime %d, fewer than BatchSize %d", len(d.T), max(len(d.T)-c.BatchTime, 0), c.BatchTime, c.BatchSize)
	case c.EvalEvery < 0 || c.CheckpointEvery < 0:
		return bad("EvalEvery and CheckpointEvery must not be negative")
	case c.CheckpointEvery > 0 && c.CheckpointPath == "":
		return bad("CheckpointEvery needs a CheckpointPath")
	}
	if c.CheckpointEvery > 0 {
		if _, ok := t.opt.(StatefulOptimizer); !ok {
			return fmt.Errorf("%w (%T); use nn's SGD, RMSprop or Adam", ErrOptimizerState, t.opt)
		}
		// Fail now, not CheckpointEvery iterations into the run.
		if err := checkWritable(c.CheckpointPath); err != nil {
			return bad("checkpoint path %s: %v", c.CheckpointPath, err)
		}
	}
	for _, o := range c.Outputs {
		if o < 0 || o >= t.dim {
			return bad("output component %d outside [0, %d)", o, t.dim)
		}
	}
	return nil
}

// Iter returns the number of optimiser steps taken.
func (t *Trainer) Iter() int { return t.iter }

// LastLoss returns the minibatch loss of the last step.
func (t *Trainer) LastLoss() float64 { return t.lastLoss }

// LastEval returns the last full-trajectory loss (NaN before the first
// evaluation).
func (t *Trainer) LastEval() float64 { return t.lastEval }

// LastStats returns the gradient statistics of the last step.
func (t *Trainer) LastStats() adjoint.Stats { return t.res.Stats }

// batchLoss is the adjoint loss at observation i: the configured loss on
// the chosen components of every window, averaged over BatchTime.
func (t *Trainer) batchLoss(i int, y, g []float64) float64 {
	d, no := t.dim, len(t.outs)
	for b, s := range t.idx {
		tgt := t.data.Y[s+i]
		for k, o := range t.outs {
			t.pred[b*no+k] = y[b*d+o]
			t.target[b*no+k] = tgt[o]
		}
	}
	l := t.cfg.Loss(t.pred, t.target, t.grad)
	inv := 1 / float64(t.cfg.BatchTime)
	for b := range t.idx {
		for k, o := range t.outs {
			g[b*d+o] = t.grad[b*no+k] * inv
		}
	}
	return l * inv
}

// sample draws the window starts without replacement (a partial
// Fisher–Yates shuffle of 0 … len(T)−BatchTime−1).
func (t *Trainer) sample() {
	for i := range t.perm {
		t.perm[i] = i
	}
	n := len(t.perm)
	for b := range t.idx {
		j := b + t.rng.IntN(n-b)
		t.perm[b], t.perm[j] = t.perm[j], t.perm[b]
		t.idx[b] = t.perm[b]
	}
}

// Step takes one optimiser step on a fresh minibatch and returns its loss.
// A failed gradient leaves the parameters unchanged and returns the error
// (the iteration still counts as drawn: the random stream moves on).
func (t *Trainer) Step() (float64, error) {
	t.sample()
	d := t.dim
	for b, s := range t.idx {
		copy(t.y0[b*d:(b+1)*d], t.data.Y[s])
	}
	ts := t.data.T[:t.cfg.BatchTime]
	if err := t.ws.Gradient(t.y0, ts, t.lossFn, &t.res); err != nil {
		return math.NaN(), fmt.Errorf("train: iteration %d: %w", t.iter+1, err)
	}
	t.opt.Step(t.model.Params(), t.res.DParams)
	t.iter++
	t.lastLoss = t.res.Loss
	t.lastNFE = t.res.Stats.Forward.NFE + t.res.Stats.Backward.NFE
	return t.res.Loss, nil
}

// Evaluate solves the model from the first observed state over the whole
// time grid and returns the loss against the data, averaged over the
// times.
func (t *Trainer) Evaluate() (float64, error) {
	if err := t.eval.Solve(t.data.Y[0], t.data.T, &t.evalSol); err != nil {
		return math.NaN(), fmt.Errorf("train: evaluation: %w", err)
	}
	no := len(t.outs)
	l := 0.0
	for i, y := range t.evalSol.Y {
		for k, o := range t.outs {
			t.pred[k] = y[o]
			t.target[k] = t.data.Y[i][o]
		}
		l += t.cfg.Loss(t.pred[:no], t.target[:no], nil)
	}
	l /= float64(len(t.evalSol.Y))
	t.lastEval = l
	return l, nil
}

// Trajectory returns the model's trajectory from the last Evaluate (one
// state per time of the data); it aliases the trainer's buffers.
func (t *Trainer) Trajectory() [][]float64 { return t.evalSol.Y }

// Run steps until Iters iterations have been taken, evaluating and
// saving checkpoints as configured. It stops at the first error.
func (t *Trainer) Run() error {
	bar := t.progressBar()
	for t.iter < t.cfg.Iters {
		if _, err := t.Step(); err != nil {
			return err
		}
		if e := t.cfg.EvalEvery; e > 0 && t.iter%e == 0 {
			l, err := t.Evaluate()
			if err != nil {
				return err
			}
			if t.cfg.OnEval != nil {
				t.cfg.OnEval(t.iter, l)
			}
		}
		if c := t.cfg.CheckpointEvery; c > 0 && t.iter%c == 0 {
			if err := t.Save(t.cfg.CheckpointPath); err != nil {
				return err
			}
		}
		if bar != nil {
			bar.Describe(fmt.Sprintf("loss %.4g  eval %.4g  NFE %d", t.lastLoss, t.lastEval, t.lastNFE))
			_ = bar.Set(t.iter)
		}
	}
	if bar != nil {
		_ = bar.Finish()
	}
	return nil
}

func (t *Trainer) progressBar() *progressbar.ProgressBar {
	f, ok := t.cfg.Progress.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	bar := progressbar.NewOptions(t.cfg.Iters,
		progressbar.OptionSetWriter(f),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("it"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowDescriptionAtLineEnd(),
	)
	_ = bar.Set(t.iter)
	return bar
}

// Params aliases the model's parameters.
func (t *Trainer) Params() []float64 { return t.model.Params() }
