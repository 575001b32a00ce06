package train

import (
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/nodekit/nodekit/runtime/nn"
)

// Checkpoint metadata keys.
const (
	checkpointFormat = "nodekit-train-checkpoint-1"
	metaFormat       = "train.format"
	metaIter         = "train.iter"
	metaRNG          = "train.rng"
	metaOptimizer    = "train.optimizer"
	paramsTensor     = "params"
	optPrefix        = "optimizer."
)

// Save writes a checkpoint — parameters, optimiser state, random state
// and iteration — to path atomically (temporary file, fsync, rename).
func (t *Trainer) Save(path string) error {
	so, ok := t.opt.(StatefulOptimizer)
	if !ok {
		return fmt.Errorf("%w (%T)", ErrOptimizerState, t.opt)
	}
	rs, err := t.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	ts := []nn.Tensor{{Name: paramsTensor, Shape: []int{len(t.model.Params())}, Data: t.model.Params()}}
	for _, s := range so.State() {
		s.Name = optPrefix + s.Name
		ts = append(ts, s)
	}
	meta := map[string]string{
		metaFormat:    checkpointFormat,
		metaIter:      strconv.Itoa(t.iter),
		metaRNG:       hex.EncodeToString(rs),
		metaOptimizer: fmt.Sprintf("%T", t.opt),
	}
	buf, err := nn.EncodeSafetensors(ts, meta)
	if err != nil {
		return err
	}
	if err := nn.WriteFileAtomic(path, buf, 0o644); err != nil {
		return fmt.Errorf("train: saving checkpoint: %w", err)
	}
	return nil
}

// Load restores a checkpoint written by Save for the same model and
// optimiser type. On error the trainer is unchanged.
func (t *Trainer) Load(path string) error {
	buf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ts, meta, err := nn.DecodeSafetensors(buf)
	if err != nil {
		return fmt.Errorf("%s: %w: %w", path, ErrCheckpoint, err)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %w: "+format, append([]any{path, ErrCheckpoint}, a...)...)
	}
	if meta[metaFormat] != checkpointFormat {
		return bad("format %q, want %q", meta[metaFormat], checkpointFormat)
	}
	if got, want := meta[metaOptimizer], fmt.Sprintf("%T", t.opt); optimizerType(got) != optimizerType(want) {
		return bad("saved with optimiser %s, this trainer uses %s", got, want)
	}
	so, ok := t.opt.(StatefulOptimizer)
	if !ok {
		return fmt.Errorf("%w (%T)", ErrOptimizerState, t.opt)
	}
	iter, err := strconv.Atoi(meta[metaIter])
	if err != nil || iter < 0 {
		return bad("iteration %q", meta[metaIter])
	}
	rs, err := hex.DecodeString(meta[metaRNG])
	if err != nil {
		return bad("random state: %v", err)
	}
	p := t.model.Params()
	var params []float64
	var optState []nn.Tensor
	for _, x := range ts {
		switch {
		case x.Name == paramsTensor:
			params = x.Data
		case strings.HasPrefix(x.Name, optPrefix):
			x.Name = strings.TrimPrefix(x.Name, optPrefix)
			optState = append(optState, x)
		default:
			return bad("unexpected tensor %q", x.Name)
		}
	}
	if len(params) != len(p) {
		return bad("%d parameters, the model has %d", len(params), len(p))
	}
	// Restore into copies first so a bad file leaves the trainer as it was.
	pcg := *t.pcg
	if err := pcg.UnmarshalBinary(rs); err != nil {
		return bad("random state: %v", err)
	}
	if err := so.SetState(optState, len(p)); err != nil {
		return fmt.Errorf("%s: %w: %w", path, ErrCheckpoint, err)
	}
	*t.pcg = pcg
	copy(p, params)
	t.iter = iter
	return nil
}

// optimizerType is the optimiser's type name without its package:
// checkpoints written before train used nn's optimisers name them
// *train.RMSprop and so on, with the same state.
func optimizerType(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}
