package train

import "github.com/nodekit/nodekit/runtime/nn"

// StatefulOptimizer is an optimiser whose state a checkpoint can hold:
// nn's SGD, RMSprop, Adam and AdamW.
type StatefulOptimizer = nn.StatefulOptimizer

// NewSGD is nn.NewSGD, kept for existing callers.
func NewSGD(lr, momentum float64) *nn.SGD { return nn.NewSGD(lr, momentum) }

// NewRMSprop is nn.NewRMSprop, kept for existing callers.
func NewRMSprop(lr float64) *nn.RMSprop { return nn.NewRMSprop(lr) }

// NewAdam is nn.NewAdam, kept for existing callers.
func NewAdam(lr float64) *nn.Adam { return nn.NewAdam(lr) }

// NewAdamW is nn.NewAdamW, kept for existing callers.
func NewAdamW(lr, wd float64) *nn.Adam { return nn.NewAdamW(lr, wd) }
