package nn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSetStateForeignOptimizer: the state of one optimiser handed to
// another kind (resuming an Adam run with RMSprop, say) is an error, not
// a silent fresh start or a momentum buffer read as something else; the
// receiving optimiser is unchanged.
func TestSetStateForeignOptimizer(t *testing.T) {
	const n = 4
	stepped := func(o StatefulOptimizer) []Tensor {
		p, g := make([]float64, n), []float64{1, -2, 3, -4}
		o.Step(p, g)
		o.Step(p, g)
		return o.State()
	}
	states := map[string][]Tensor{
		"sgd":     stepped(NewSGD(0.1, 0.9)),
		"rmsprop": stepped(NewRMSprop(0.1)),
		"adam":    stepped(NewAdam(0.1)),
	}
	mk := map[string]func() StatefulOptimizer{
		"sgd":     func() StatefulOptimizer { return NewSGD(0.1, 0.9) },
		"rmsprop": func() StatefulOptimizer { return NewRMSprop(0.1) },
		"adam":    func() StatefulOptimizer { return NewAdam(0.1) },
	}
	for from, st := range states {
		for to, newOpt := range mk {
			o := newOpt()
			before := fmt.Sprint(stepped(o))
			err := o.SetState(st, n)
			if from == to {
				if err != nil {
					t.Errorf("%s state into %s: %v", from, to, err)
				}
				continue
			}
			if !errors.Is(err, ErrMismatch) {
				t.Errorf("%s state into %s: err = %v, want ErrMismatch", from, to, err)
			}
			if after := fmt.Sprint(o.State()); after != before {
				t.Errorf("%s state into %s changed the optimiser:\n%s\n%s", from, to, before, after)
			}
		}
	}
}

// TestConv2dKernelLargerThanInput: Go's integer division truncates toward
// zero, so (H+2·Pad−K)/Stride+1 is 1, not ≤ 0, when the kernel is larger
// than the padded input by less than the stride. Such a layer must be
// refused like every other empty-output shape (PyTorch: "Kernel size
// can't be greater than actual input size").
func TestConv2dKernelLargerThanInput(t *testing.T) {
	for _, c := range []struct{ h, w, k, stride, pad int }{
		{2, 2, 5, 4, 0}, // (2−5)/4 + 1 = 1 in Go
		{1, 3, 3, 3, 0},
		{3, 1, 4, 2, 1}, // width 1+2 < 4
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), "nn: NewConv2d") {
					t.Errorf("%+v: recovered %v, want a NewConv2d panic", c, r)
				}
			}()
			NewConv2d(1, 1, c.h, c.w, c.k, c.stride, c.pad, nil)
		}()
	}
}

// TestConv2dEdgeShapes checks stride > kernel, padding ≥ kernel and 1×1
// images against the convolution sum written out, and their gradients
// against finite differences.
func TestConv2dEdgeShapes(t *testing.T) {
	for _, c := range []struct{ inC, outC, h, w, k, stride, pad, batch int }{
		{2, 2, 7, 6, 2, 3, 0, 2}, // stride > kernel: skipped pixels
		{1, 2, 3, 3, 2, 1, 2, 1}, // padding ≥ kernel: all-padding outputs
		{2, 3, 1, 1, 3, 1, 1, 2}, // 1×1 image
		{1, 1, 1, 1, 1, 1, 0, 3}, // 1×1 image, 1×1 kernel
		{2, 1, 4, 5, 3, 4, 3, 1}, // large stride and padding
	} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			l := NewConv2d(c.inC, c.outC, c.h, c.w, c.k, c.stride, c.pad, NewRNG(1))
			randomizeParams(l, 2)
			x := randVec(NewRNG(3), c.batch*l.InSize())
			y := make([]float64, c.batch*l.OutSize())
			l.Forward(x, y, c.batch)
			oh, ow := l.OutH(), l.OutW()
			for n := 0; n < c.batch; n++ {
				for co := 0; co < c.outC; co++ {
					for i := 0; i < oh; i++ {
						for j := 0; j < ow; j++ {
							s := l.Bias[co]
							for ci := 0; ci < c.inC; ci++ {
								for ki := 0; ki < c.k; ki++ {
									for kj := 0; kj < c.k; kj++ {
										ih, iw := c.stride*i-c.pad+ki, c.stride*j-c.pad+kj
										if ih >= 0 && ih < c.h && iw >= 0 && iw < c.w {
											s += l.Weight[((co*c.inC+ci)*c.k+ki)*c.k+kj] * x[((n*c.inC+ci)*c.h+ih)*c.w+iw]
										}
									}
								}
							}
							if got := y[((n*c.outC+co)*oh+i)*ow+j]; math.Abs(got-s) > 1e-13 {
								t.Fatalf("y[%d,%d,%d,%d] = %v, want %v", n, co, i, j, got, s)
							}
						}
					}
				}
			}
			checkLayer(t, l, c.batch, nil, 3, 1e-7)
		})
	}
}

// TestGroupNormSingletonGroups: groups of one value normalise to β (the
// variance is zero, so only ε keeps 1/σ finite) with zero input gradient.
func TestGroupNormSingletonGroups(t *testing.T) {
	l := NewGroupNorm(3, 1, 3)
	randomizeParams(l, 4)
	x := []float64{5, -7, 1e6, 0, 3, -2}
	y := make([]float64, len(x))
	l.Forward(x, y, 2)
	for i, v := range y {
		if want := l.Beta[i%3]; v != want {
			t.Errorf("y[%d] = %v, want β = %v", i, v, want)
		}
	}
	checkLayer(t, l, 2, nil, 3, 1e-7)
}

// TestMLPZeroWidth: a zero or negative width is refused with a panic that
// names the widths, before any layer is built.
func TestMLPZeroWidth(t *testing.T) {
	for _, sizes := range [][]int{{2, 0, 2}, {0, 3}, {2, 3, -1}} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), "nn: an MLP") || !strings.Contains(fmt.Sprint(r), fmt.Sprint(sizes)) {
					t.Errorf("%v: recovered %v, want a panic naming the MLP's widths", sizes, r)
				}
			}()
			NewMLP(sizes, Tanh, nil)
		}()
	}
}

// header builds a safetensors buffer from a raw JSON header and data.
func rawSafetensors(header string, data []float64) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	buf := make([]byte, 8+len(header)+8*len(data))
	binary.LittleEndian.PutUint64(buf, uint64(len(header)))
	copy(buf[8:], header)
	for i, v := range data {
		binary.LittleEndian.PutUint64(buf[8+len(header)+8*i:], math.Float64bits(v))
	}
	return buf
}

// TestDecodeSafetensorsHostile covers headers a hand-edited or hostile
// file can carry: each must be an ErrCorrupt naming the problem, with no
// panic and no allocation beyond the file's size.
func TestDecodeSafetensorsHostile(t *testing.T) {
	for _, c := range []struct {
		name, header string
		data         []float64
		want         string
	}{
		{"duplicate name", `{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}`, []float64{1, 2}, `duplicate tensor name "a"`},
		{"duplicate identical", `{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`, []float64{1}, `duplicate tensor name "a"`},
		{"duplicate metadata", `{"__metadata__":{"format_version":"1"},"__metadata__":{"format_version":"9"}}`, nil, `duplicate tensor name "__metadata__"`},
		{"trailing garbage", `{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}xyz`, []float64{1}, "after the JSON header"},
		{"second object", `{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}{}`, []float64{1}, "after the JSON header"},
		{"negative dimension", `{"a":{"dtype":"F64","shape":[-1,-8],"data_offsets":[0,64]}}`, []float64{0, 0, 0, 0, 0, 0, 0, 0}, "invalid shape"},
		{"huge shape", `{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, []float64{1}, "invalid shape"},
		{"huge offsets", `{"a":{"dtype":"F64","shape":[1],"data_offsets":[9223372036854775800,9223372036854775807]}}`, []float64{1}, "tensor \"a\""},
		{"offset overflow", `{"a":{"dtype":"F64","shape":[0],"data_offsets":[9223372036854775807,9223372036854775807]}}`, []float64{}, "tensor \"a\""},
		{"not an array", `[1,2]`, nil, "not a JSON object"},
	} {
		_, _, err := DecodeSafetensors(rawSafetensors(c.header, c.data))
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrCorrupt containing %q", c.name, err, c.want)
		}
	}
	// A header length near 2⁶⁴ is refused before anything is allocated.
	for _, hl := range []uint64{math.MaxUint64, math.MaxUint64 - 7, 1 << 63, maxHeader + 8} {
		buf := make([]byte, 64)
		binary.LittleEndian.PutUint64(buf, hl)
		if _, _, err := DecodeSafetensors(buf); !errors.Is(err, ErrCorrupt) {
			t.Errorf("header length %d: err = %v", hl, err)
		}
	}
	// Every truncation of a valid file is an ErrCorrupt.
	full, err := EncodeSafetensors([]Tensor{{Name: "w", Shape: []int{2, 2}, Data: []float64{1, 2, 3, 4}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(full); n++ {
		if _, _, err := DecodeSafetensors(full[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d of %d bytes: err = %v", n, len(full), err)
		}
	}
}

// TestLoadParamsNonFinite: a parameter file with NaN or Inf weights (a
// save after training diverged) is refused with the tensor and index,
// and the model keeps its parameters.
func TestLoadParamsNonFinite(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		m := NewMLP([]int{2, 3, 1}, Tanh, NewRNG(1))
		ts := m.ParamTensors()
		ts[2].Data[1] = bad // "2.weight"
		path := filepath.Join(dir, "bad.safetensors")
		if err := SaveTensors(path, ts, nil); err != nil {
			t.Fatal(err)
		}
		fresh := NewMLP([]int{2, 3, 1}, Tanh, NewRNG(2))
		before := append([]float64(nil), fresh.Params()...)
		_, err := LoadParams(path, fresh)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `"2.weight"`) || !strings.Contains(err.Error(), "[1]") {
			t.Errorf("%v: err = %v, want ErrCorrupt naming 2.weight[1]", bad, err)
		}
		closeVec(t, "parameters after a refused load", fresh.Params(), before, 0)
		os.Remove(path)
	}
}
