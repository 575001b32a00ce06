package adjoint_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/nodekit/nodekit/runtime/adjoint"
	"github.com/nodekit/nodekit/runtime/ode"
)

// rotBlocks is m independent rotDecay blocks sharing θ = (a, b): a
// system of dimension 2m whose solution oscillates, so the number of
// steps grows linearly with the horizon.
type rotBlocks struct {
	rotDecay
	m int
}

func (r *rotBlocks) Dim() int { return 2 * r.m }
func (r *rotBlocks) Func(t float64, y, dy []float64) {
	for k := 0; k < r.m; k++ {
		r.rotDecay.Func(t, y[2*k:2*k+2], dy[2*k:2*k+2])
	}
}
func (r *rotBlocks) VJP(t float64, y, v, ay, ap []float64) {
	for k := 0; k < r.m; k++ {
		r.rotDecay.VJP(t, y[2*k:2*k+2], v[2*k:2*k+2], ay[2*k:2*k+2], ap)
	}
}

func newRotBlocks(m int) (*rotBlocks, []float64) {
	r := &rotBlocks{rotDecay: rotDecay{p: []float64{-0.01, 2}}, m: m}
	y0 := make([]float64, 2*m)
	for i := range y0 {
		y0[i] = 1 + 0.01*float64(i)
	}
	return r, y0
}

func sumLoss(i int, y, g []float64) float64 {
	l := 0.0
	for k, v := range y {
		g[k] = 1
		l += v
	}
	return l
}

// allocated returns the bytes allocated by f: an upper bound on how much
// f grows the heap.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// gradientBytes measures a fresh workspace's first gradient, setup
// included, over [0, T]: the least of three runs, since the runtime may
// allocate for itself while one runs.
func gradientBytes(t *testing.T, opts *adjoint.Options, T float64) (uint64, *adjoint.Result) {
	sys, y0 := newRotBlocks(20)
	var res adjoint.Result
	var err error
	least := uint64(math.MaxUint64)
	for range 3 {
		b := allocated(func() {
			var ws *adjoint.Workspace
			if ws, err = adjoint.NewWorkspace(sys, opts); err == nil {
				err = ws.Gradient(y0, []float64{0, T}, sumLoss, &res)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		least = min(least, b)
	}
	return least, &res
}

func TestBacksolveMemoryIndependentOfHorizon(t *testing.T) {
	opts := &adjoint.Options{Method: adjoint.Backsolve}
	b1, r1 := gradientBytes(t, opts, 5)
	b10, r10 := gradientBytes(t, opts, 50)
	t.Logf("backsolve: T=5: %d B (%d steps), T=50: %d B (%d steps)", b1, r1.Stats.Forward.Accepted, b10, r10.Stats.Forward.Accepted)
	if r10.Stats.Forward.Accepted < 5*r1.Stats.Forward.Accepted {
		t.Fatalf("horizon ×10 gave only %d → %d steps", r1.Stats.Forward.Accepted, r10.Stats.Forward.Accepted)
	}
	if float64(b10) > 1.1*float64(b1) {
		t.Errorf("backsolve memory grew from %d to %d bytes (> 10%%) for a 10× horizon", b1, b10)
	}
	// For contrast, the discrete adjoint stores every step.
	d1, _ := gradientBytes(t, &adjoint.Options{Method: adjoint.Discrete}, 5)
	d10, _ := gradientBytes(t, &adjoint.Options{Method: adjoint.Discrete}, 50)
	t.Logf("discrete: T=5: %d B, T=50: %d B", d1, d10)
	if d10 < 3*d1 {
		t.Errorf("discrete memory %d → %d: expected growth with the number of steps", d1, d10)
	}
}

func TestCheckpointMemoryFollowsCheckpoints(t *testing.T) {
	var prev uint64
	var first uint64
	for _, k := range []int{0, 3, 15} {
		b, res := gradientBytes(t, &adjoint.Options{Method: adjoint.Checkpoint, Checkpoints: k}, 50)
		t.Logf("checkpoints %2d: %d stored points, %d B", k, res.Stats.Checkpoints, b)
		// Without checkpoints the forward pass keeps every step's dense
		// output; with k, the grid holds the two ends and k checkpoints.
		want := k + 2
		if k == 0 {
			want = res.Stats.Forward.Accepted
		}
		if res.Stats.Checkpoints != want {
			t.Errorf("Checkpoints %d: %d stored points, want %d", k, res.Stats.Checkpoints, want)
		}
		if k == 0 {
			first = b
		} else if b >= prev {
			t.Errorf("Checkpoints %d used %d bytes, not less than %d with fewer checkpoints", k, b, prev)
		}
		prev = b
	}
	if prev > first/3 {
		t.Errorf("16 segments used %d bytes, more than a third of the whole dense forward's %d", prev, first)
	}
}

func TestZeroAllocs(t *testing.T) {
	sys, y0 := newRotBlocks(4)
	ts := []float64{0, 0.5, 1, 2}
	for _, o := range []adjoint.Options{{Method: adjoint.Backsolve}, {Method: adjoint.Checkpoint},
		{Method: adjoint.Checkpoint, Checkpoints: 3}, {Method: adjoint.Discrete}} {
		m := o.Method
		o.Solver = &ode.Options{RTol: 1e-6}
		ws, err := adjoint.NewWorkspace(sys, &o)
		if err != nil {
			t.Fatal(err)
		}
		var res adjoint.Result
		run := func() {
			if err := ws.Gradient(y0, ts, sumLoss, &res); err != nil {
				t.Fatal(err)
			}
		}
		run()
		if a := testing.AllocsPerRun(20, run); a != 0 {
			t.Errorf("%v: %v allocations per gradient after warm-up", m, a)
		}
	}
}
