// Package models is the home of nodekit's classic neural-ODE applications,
// each in its own sub-package built on the runtime (runtime/nn for the
// networks, runtime/ode for the solves, runtime/adjoint for gradients):
//
//   - models/cnf: continuous normalizing flows (FFJORD) with Hutchinson
//     or exact trace, trained by maximum likelihood, with sampling and
//     FFJORD's 2-D toy data sets;
//   - models/anode: augmented neural ODEs (Dupont et al. 2019) with a
//     zero-initialised augmentation and a linear read-out, and the 1-D
//     nested-intervals task that plain neural ODEs cannot represent.
//
// Not here yet: the ODE-Net image classifier, latent ODEs and function
// encoders.
package models
