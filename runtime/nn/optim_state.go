package nn

import "fmt"

// StatefulOptimizer is an Optimizer whose internal state (running
// averages, momentum, step count) can be saved and restored, so that a
// run resumed from a checkpoint continues bit for bit as the
// uninterrupted run would have. SGD, RMSprop and Adam implement it.
type StatefulOptimizer interface {
	Optimizer
	// State returns the state as named tensors (copies, named as
	// PyTorch's state_dict names them). Before the first step, and for
	// SGD without momentum, it is empty.
	State() []Tensor
	// SetState restores what State returned, for numParams parameters.
	// An empty state means a fresh optimiser (as after Reset). A tensor
	// of the wrong size, an incomplete state, or a tensor that is not
	// part of this optimiser's state (another optimiser's) is an error
	// wrapping ErrMismatch and leaves the optimiser unchanged.
	SetState(ts []Tensor, numParams int) error
}

var (
	_ StatefulOptimizer = (*SGD)(nil)
	_ StatefulOptimizer = (*RMSprop)(nil)
	_ StatefulOptimizer = (*Adam)(nil)
)

func stateTensor(name string, v []float64) Tensor {
	return Tensor{Name: name, Shape: []int{len(v)}, Data: append([]float64(nil), v...)}
}

// checkStateNames refuses tensors that are not part of this optimiser's
// state, such as another optimiser's: restoring only the names it knows
// would silently start afresh or read a foreign buffer as its own.
func checkStateNames(opt string, ts []Tensor, names ...string) error {
	for _, t := range ts {
		known := false
		for _, n := range names {
			known = known || t.Name == n
		}
		if !known {
			return fmt.Errorf("%w: %s state has no tensor %q (it holds %v)", ErrMismatch, opt, t.Name, names)
		}
	}
	return nil
}

// restoreState copies the tensor called name into a fresh slice of n
// values; a missing tensor gives nil.
func restoreState(ts []Tensor, name string, n int) ([]float64, error) {
	for _, t := range ts {
		if t.Name != name {
			continue
		}
		if len(t.Data) != n {
			return nil, fmt.Errorf("%w: optimiser state %q has %d values, want %d", ErrMismatch, name, len(t.Data), n)
		}
		return append([]float64(nil), t.Data...), nil
	}
	return nil, nil
}

// State returns SGD's momentum buffer ("momentum_buffer"), if any.
func (o *SGD) State() []Tensor {
	if o.buf == nil {
		return nil
	}
	return []Tensor{stateTensor("momentum_buffer", o.buf)}
}

// SetState restores SGD's momentum buffer.
func (o *SGD) SetState(ts []Tensor, n int) error {
	if err := checkStateNames("SGD", ts, "momentum_buffer"); err != nil {
		return err
	}
	b, err := restoreState(ts, "momentum_buffer", n)
	if err != nil {
		return err
	}
	o.buf = b
	return nil
}

// State returns RMSprop's "square_avg" and "momentum_buffer".
func (o *RMSprop) State() []Tensor {
	if o.sq == nil {
		return nil
	}
	return []Tensor{stateTensor("square_avg", o.sq), stateTensor("momentum_buffer", o.buf)}
}

// SetState restores RMSprop's running averages.
func (o *RMSprop) SetState(ts []Tensor, n int) error {
	if err := checkStateNames("RMSprop", ts, "square_avg", "momentum_buffer"); err != nil {
		return err
	}
	sq, err := restoreState(ts, "square_avg", n)
	if err != nil {
		return err
	}
	buf, err := restoreState(ts, "momentum_buffer", n)
	if err != nil {
		return err
	}
	if (sq == nil) != (buf == nil) {
		return fmt.Errorf("%w: RMSprop state needs both square_avg and momentum_buffer", ErrMismatch)
	}
	o.sq, o.buf = sq, buf
	return nil
}

// State returns Adam's "exp_avg", "exp_avg_sq" and "step" (one value).
func (o *Adam) State() []Tensor {
	if o.m == nil {
		return nil
	}
	return []Tensor{stateTensor("exp_avg", o.m), stateTensor("exp_avg_sq", o.v),
		{Name: "step", Shape: []int{1}, Data: []float64{float64(o.t)}}}
}

// SetState restores Adam's moments and step count.
func (o *Adam) SetState(ts []Tensor, n int) error {
	if err := checkStateNames("Adam", ts, "exp_avg", "exp_avg_sq", "step"); err != nil {
		return err
	}
	m, err := restoreState(ts, "exp_avg", n)
	if err != nil {
		return err
	}
	v, err := restoreState(ts, "exp_avg_sq", n)
	if err != nil {
		return err
	}
	st, err := restoreState(ts, "step", 1)
	if err != nil {
		return err
	}
	if (m == nil) != (v == nil) || (m == nil) != (st == nil) {
		return fmt.Errorf("%w: Adam state needs exp_avg, exp_avg_sq and step", ErrMismatch)
	}
	t := 0
	if st != nil {
		t = int(st[0])
		if float64(t) != st[0] || t < 1 {
			return fmt.Errorf("%w: Adam step count %g is not a positive integer", ErrMismatch, st[0])
		}
	}
	o.m, o.v, o.t = m, v, t
	return nil
}
