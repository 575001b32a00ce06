package train

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	metaStateDim     = "train.state_dim"
	metaBatchSize    = "train.batch_size"
	metaBatchTime    = "train.batch_time"
	metaOutputs      = "train.outputs"
	metaSamples      = "train.samples"
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
	for k, v := range t.shape() {
		meta[k] = v
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
// optimiser type, state size, minibatch shape, outputs and number of
// samples (an ErrCheckpoint names what differs). On error the trainer is
// unchanged.
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
	for _, k := range []string{metaStateDim, metaBatchSize, metaBatchTime, metaOutputs, metaSamples} {
		// Checkpoints from before these keys were written carry none.
		if got, ok := meta[k]; ok && got != t.shape()[k] {
			return bad("saved with %s %s, this trainer has %s: the run would not continue as it was",
				strings.ReplaceAll(strings.TrimPrefix(k, "train."), "_", " "), got, t.shape()[k])
		}
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

// shape is what a resumed run must share with the saved one to continue
// it: the state size, the minibatch shape, the outputs in the loss and
// the number of samples the windows are drawn from.
func (t *Trainer) shape() map[string]string {
	outs := make([]string, len(t.outs))
	for i, o := range t.outs {
		outs[i] = strconv.Itoa(o)
	}
	return map[string]string{
		metaStateDim:  strconv.Itoa(t.dim),
		metaBatchSize: strconv.Itoa(t.cfg.BatchSize),
		metaBatchTime: strconv.Itoa(t.cfg.BatchTime),
		metaOutputs:   strings.Join(outs, ","),
		metaSamples:   strconv.Itoa(len(t.data.T)),
	}
}

// checkWritable reports why a checkpoint could not be written to path:
// its directory is missing or not a directory, path is a directory, or
// the directory does not accept new files.
func checkWritable(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("is a directory")
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".nodekit-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
