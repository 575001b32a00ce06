// Package nn is nodekit's neural-network layer library: the layers, losses,
// initialisers, optimisers and parameter files that neural ODEs, continuous
// normalizing flows, latent ODEs, Hamiltonian networks and the DSL's `net`
// terms are built from.
//
// # Tensors
//
// Tensors are flat []float64, batch-major: sample r of a batch of inputs
// of per-sample length n occupies x[r*n:(r+1)*n]. Image layers (Conv2d,
// GroupNorm) use the NCHW layout per batch. Every layer writes into
// buffers the caller passes, and the containers keep a workspace that
// grows to the largest batch seen, so a training step allocates nothing
// after warm-up.
//
// # Layers and automatic differentiation
//
// A Layer has Forward and VJP (a vector–Jacobian product that overwrites
// the input gradient and accumulates the parameter gradient). A DualLayer
// also has JVP, which pushes a tangent dx forward alongside x, and VJPJVP,
// the reverse-mode derivative of that pair map. Forward tangents with
// reverse over them give gradients of first-order quantities: the
// Hutchinson trace estimate εᵀ(∂f/∂z)ε of a continuous normalizing flow is
// qᵀdy with dx = ε and q = ε, and Sequential.HutchinsonVJP returns its
// gradient with respect to z and the parameters.
//
//	m := nn.NewMLP([]int{2, 50, 2}, nn.Tanh, nn.NewRNG(1))
//	m.Forward(x, y, batch)          // y = f(x)
//	m.Backward(gy, gx, grad)        // gx = gyᵀ∂f/∂x, grad += gyᵀ∂f/∂θ
//	m.HutchinsonTrace(z, eps, f, tr, batch)
//	m.HutchinsonVJP(z, eps, gf, gtr, gz, grad, batch)
//
// m.Params() is a flat slice aliasing every weight and bias; an optimiser
// updates it in place:
//
//	opt := nn.NewAdam(1e-3)
//	opt.Step(m.Params(), grad)
//
// # What is here
//
// Layers: Dense, Act (tanh, relu, softplus, sigmoid, elu, gelu, sin,
// Gaussian RBF; ParseActivation reads their names), Conv2d, GroupNorm,
// Dropout, TimeInput, all usable in a Sequential; MLP builds the common
// case. GRUCell and TimeConcat have their own two-input APIs. Every layer
// is a DualLayer (GRUCell has JVP and VJPJVP for its two-input form), so
// second derivatives — the gradient of a Hutchinson trace εᵀ(∂f/∂z)ε, as
// continuous normalizing flows need — go through any network; Dropout's
// FixedMask holds one mask across calls, as an ODE right-hand side needs.
//
// Losses: MSE, L1, CrossEntropyLogits, GaussianNLL, KLDiagGaussian.
// Initialisers: GlorotUniform, GlorotNormal, HeNormal, HeUniform, Normal,
// Zeros, with NewRNG for a seeded PCG generator. Optimisers (PyTorch
// semantics): SGD (momentum, Nesterov), RMSprop, Adam, AdamW; schedules
// StepLR and CosineLR; ClipGradNorm and ClipGradValue.
//
// Containers are not safe for concurrent use; Clone gives a copy that
// shares the parameters with its own workspace.
//
// # Parameter files
//
// SaveParams and LoadParams use the safetensors layout (an 8-byte
// little-endian header length, a JSON header with dtype "F64", shape and
// data_offsets per tensor and a "__metadata__" entry carrying the format
// version, then the raw little-endian data), so Python can read them with
// safetensors.torch.load_file. Sequential names its tensors as PyTorch's
// nn.Sequential state_dict does ("0.weight", "0.bias", "2.weight", …).
// Saves are atomic; loads check every name and shape, refuse duplicate
// names, and refuse NaN and Inf values.
package nn
