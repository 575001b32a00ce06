package train

import "github.com/nodekit/nodekit/runtime/nn"

// StatefulOptimizer is an optimiser whose state a checkpoint can hold:
// nn's SGD, RMSprop, Adam and AdamW.
type StatefulOptimizer = nn.StatefulOptimizer
