// Package train is the training loop nodekit's examples and command line
// share for fitting a neural vector field to trajectory data.
//
// A Trainer draws minibatches of trajectory windows the way torchdiffeq's
// examples do (get_batch: BatchSize random start points, each followed for
// BatchTime samples), solves the whole minibatch as one system whose
// dimension is BatchSize·StateDim, computes the loss on the chosen state
// components and its gradient with runtime/adjoint, and updates the
// parameters with any nn optimiser. Every EvalEvery iterations it
// evaluates the model on the full trajectory; a progress bar shows the
// loss and the function evaluations when the output is a terminal.
//
//	field := train.NewNeuralField(net, train.Cube) // dy/dt = net(y³)
//	tr, err := train.New(field, nn.NewRMSprop(1e-3), data, train.Config{
//		Iters: 2000, BatchSize: 20, BatchTime: 10, Seed: 1,
//		Loss: nn.L1, EvalEvery: 20,
//		CheckpointEvery: 100, CheckpointPath: "spiral.ckpt",
//	})
//	err = tr.Run()
//
// # Checkpoints and resume
//
// A checkpoint (Trainer.Save, or every CheckpointEvery iterations) holds
// the parameters, the optimiser's state, the random generator's state and
// the iteration count in one safetensors file written atomically
// (temporary file, fsync, rename). Trainer.Load restores all of it, so a
// run resumed from a checkpoint continues exactly — bit for bit — as the
// uninterrupted run would have. This needs an nn.StatefulOptimizer, which
// nn's SGD, RMSprop, Adam and AdamW are. A checkpoint records the state
// size, minibatch shape, outputs and number of samples too, and Load
// refuses one that differs (the run would not continue as it was); more
// iterations, or other evaluation and checkpoint intervals, are fine. New
// checks that the checkpoint's directory exists and accepts files, so a
// mistyped path fails at once, not CheckpointEvery iterations in.
package train
