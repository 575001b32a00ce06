package nn

import (
	"fmt"
	"testing"
)

// BenchmarkMLPForwardVJP times one forward and one backward pass (input and
// parameter gradients) of a 2-50-2 tanh MLP on a batch of 20.
func BenchmarkMLPForwardVJP(b *testing.B) {
	m := NewMLP([]int{2, 50, 2}, Tanh, NewRNG(1))
	const batch = 20
	x := randVec(NewRNG(2), 2*batch)
	y := make([]float64, 2*batch)
	gy := randVec(NewRNG(3), 2*batch)
	gx := make([]float64, 2*batch)
	gp := make([]float64, m.NumParams())
	b.ReportAllocs()
	for b.Loop() {
		m.Forward(x, y, batch)
		m.Backward(gy, gx, gp)
	}
}

// BenchmarkMLPHutchinsonVJP times the CNF pass: f, εᵀ(∂f/∂z)ε and its
// gradient with respect to z and θ, for a 2-64-64-2 tanh MLP, batch 20.
func BenchmarkMLPHutchinsonVJP(b *testing.B) {
	m := NewMLP([]int{2, 64, 64, 2}, Tanh, NewRNG(1))
	const batch = 20
	z := randVec(NewRNG(2), 2*batch)
	eps := randVec(NewRNG(3), 2*batch)
	gy := randVec(NewRNG(4), 2*batch)
	gtr := randVec(NewRNG(5), batch)
	gz := make([]float64, 2*batch)
	gp := make([]float64, m.NumParams())
	b.ReportAllocs()
	for b.Loop() {
		m.HutchinsonVJP(z, eps, gy, gtr, gz, gp, batch)
	}
}

// BenchmarkConv2d times forward and forward+VJP of a 64→64 3×3 convolution
// (padding 1) on 6×6 maps, batch 128.
func BenchmarkConv2d(b *testing.B) {
	c := NewConv2d(64, 64, 6, 6, 3, 1, 1, NewRNG(1))
	const batch = 128
	x := randVec(NewRNG(2), batch*c.InSize())
	y := make([]float64, batch*c.OutSize())
	gy := randVec(NewRNG(3), batch*c.OutSize())
	gx := make([]float64, batch*c.InSize())
	gp := make([]float64, len(c.Params()))
	flops := 2.0 * 64 * 64 * 9 * 36 * batch // one convolution
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			c.Forward(x, y, batch)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("forward+vjp", func(b *testing.B) {
		for b.Loop() {
			c.Forward(x, y, batch)
			c.VJP(x, y, gy, gx, gp, batch)
		}
		b.ReportMetric(3*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// BenchmarkDense times forward+VJP of large dense layers.
func BenchmarkDense(b *testing.B) {
	for _, c := range []struct{ in, out, batch int }{{256, 256, 1}, {512, 512, 64}, {1024, 1024, 128}} {
		b.Run(fmt.Sprintf("%dx%d_b%d", c.in, c.out, c.batch), func(b *testing.B) {
			d := NewDense(c.in, c.out, NewRNG(1))
			x := randVec(NewRNG(2), c.batch*c.in)
			y := make([]float64, c.batch*c.out)
			gy := randVec(NewRNG(3), c.batch*c.out)
			gx := make([]float64, c.batch*c.in)
			gp := make([]float64, len(d.Params()))
			for b.Loop() {
				d.Forward(x, y, c.batch)
				d.VJP(x, y, gy, gx, gp, c.batch)
			}
			b.ReportMetric(6*float64(c.in*c.out*c.batch)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkMLPSmall times the tiny networks a neural ODE evaluates
// thousands of times per training step: the spiral demo's 2-50-2 and the
// DSL's mlp terms, forward alone, forward+VJP (input and parameter
// gradients) and JVP (value and tangent).
func BenchmarkMLPSmall(b *testing.B) {
	for _, c := range []struct {
		sizes []int
		batch int
	}{
		{[]int{2, 50, 2}, 1},
		{[]int{2, 50, 2}, 20},
		{[]int{2, 5, 5, 2}, 1},
		{[]int{2, 5, 5, 2}, 20},
		{[]int{5, 64, 64, 5}, 20},
	} {
		name := fmt.Sprintf("%v_b%d", c.sizes, c.batch)
		m := NewMLP(c.sizes, Tanh, NewRNG(1))
		in, out := c.sizes[0], c.sizes[len(c.sizes)-1]
		x := randVec(NewRNG(2), in*c.batch)
		dx := randVec(NewRNG(4), in*c.batch)
		y := make([]float64, out*c.batch)
		dy := make([]float64, out*c.batch)
		gy := randVec(NewRNG(3), out*c.batch)
		gx := make([]float64, in*c.batch)
		gp := make([]float64, m.NumParams())
		b.Run(name+"/forward", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Forward(x, y, c.batch)
			}
		})
		b.Run(name+"/forward+vjp", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Forward(x, y, c.batch)
				m.Backward(gy, gx, gp)
			}
		})
		b.Run(name+"/jvp", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.JVP(x, dx, y, dy, c.batch)
			}
		})
	}
}
