package cnf

import (
	"testing"

	"github.com/nodekit/nodekit/runtime/nn"
)

// BenchmarkNLL is one training step's gradient (FFJORD's toy setup: 64×3
// hidden, batch 256, dopri5 at 1e-5, backsolve adjoint) on 8gaussians,
// for a flow trained 50 iterations so the solves take typical step
// counts.
func BenchmarkNLL(b *testing.B) {
	for _, mode := range []TraceMode{Hutchinson, Exact} {
		b.Run(mode.String(), func(b *testing.B) {
			flow, err := New(Config{Hidden: []int{64, 64, 64}, Seed: 1, Trace: mode})
			if err != nil {
				b.Fatal(err)
			}
			rng := nn.NewRNG(1)
			const batch = 256
			x := make([]float64, 2*batch)
			g := make([]float64, len(flow.Params()))
			opt := nn.NewAdam(5e-3)
			for range 50 {
				if err := Toy("8gaussians", batch, rng, x); err != nil {
					b.Fatal(err)
				}
				if _, err := flow.NLL(x, batch, g); err != nil {
					b.Fatal(err)
				}
				opt.Step(flow.Params(), g)
			}
			b.ReportAllocs()
			b.ResetTimer()
			nfe := 0
			for b.Loop() {
				if _, err := flow.NLL(x, batch, g); err != nil {
					b.Fatal(err)
				}
				nfe += flow.Stats().Forward.NFE + flow.Stats().Backward.NFE
			}
			b.ReportMetric(float64(nfe)/float64(b.N), "nfe/op")
		})
	}
}
