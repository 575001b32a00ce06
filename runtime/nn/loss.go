package nn

import (
	"fmt"
	"math"
)

// Losses return their value and, when grad is not nil, write its gradient
// with respect to the prediction into grad (overwriting it). Reductions
// follow PyTorch's defaults: MSE and L1 average over every element,
// CrossEntropyLogits averages over samples; GaussianNLL and KLDiagGaussian
// sum over features and average over the batch (the per-sample ELBO terms
// of a VAE or latent ODE).

// MSE returns mean((pred − target)²).
func MSE(pred, target, grad []float64) float64 {
	n := len(pred)
	checkLen("MSE target", target, n)
	s := 0.0
	inv := 1 / float64(n)
	for i, p := range pred {
		d := p - target[i]
		s += d * d
		if grad != nil {
			grad[i] = 2 * d * inv
		}
	}
	return s / float64(n)
}

// L1 returns mean(|pred − target|); its gradient at a tie is 0.
func L1(pred, target, grad []float64) float64 {
	n := len(pred)
	checkLen("L1 target", target, n)
	s := 0.0
	inv := 1 / float64(n)
	for i, p := range pred {
		d := p - target[i]
		s += math.Abs(d)
		if grad != nil {
			switch {
			case d > 0:
				grad[i] = inv
			case d < 0:
				grad[i] = -inv
			default:
				grad[i] = 0
			}
		}
	}
	return s / float64(n)
}

// CrossEntropyLogits returns the mean over samples of −log softmax(z)[label]
// for logits of shape batch×classes (batch = len(labels)). The gradient is
// (softmax(z) − onehot(label)) / batch. A label outside [0, classes)
// panics.
func CrossEntropyLogits(logits []float64, labels []int, classes int, grad []float64) float64 {
	b := len(labels)
	checkLen("CrossEntropyLogits logits", logits, b*classes)
	s := 0.0
	inv := 1 / float64(b)
	for r, lab := range labels {
		if lab < 0 || lab >= classes {
			panic(fmt.Sprintf("nn: CrossEntropyLogits: label %d of sample %d is outside [0, %d)", lab, r, classes))
		}
		z := logits[r*classes : (r+1)*classes]
		m := z[0]
		for _, v := range z[1:] {
			m = max(m, v)
		}
		sum := 0.0
		for _, v := range z {
			sum += math.Exp(v - m)
		}
		lse := m + math.Log(sum)
		s += lse - z[lab]
		if grad != nil {
			g := grad[r*classes : (r+1)*classes]
			for j, v := range z {
				g[j] = math.Exp(v-lse) * inv
			}
			g[lab] -= inv
		}
	}
	return s * inv
}

const log2Pi = 1.8378770664093453 // log(2π)

// GaussianNLL returns the negative log-likelihood of target under
// N(mean, exp(logVar)) element-wise, summed over features and averaged over
// batch samples:
//
//	(1/batch) Σ ½(log 2π + logVar + (target − mean)²·exp(−logVar))
//
// gMean and gLogVar (either may be nil) receive its gradients.
func GaussianNLL(mean, logVar, target []float64, batch int, gMean, gLogVar []float64) float64 {
	n := len(mean)
	checkLen("GaussianNLL logVar", logVar, n)
	checkLen("GaussianNLL target", target, n)
	inv := 1 / float64(batch)
	s := 0.0
	for i, mu := range mean {
		d := target[i] - mu
		iv := math.Exp(-logVar[i])
		s += 0.5 * (log2Pi + logVar[i] + d*d*iv)
		if gMean != nil {
			gMean[i] = -d * iv * inv
		}
		if gLogVar != nil {
			gLogVar[i] = 0.5 * (1 - d*d*iv) * inv
		}
	}
	return s * inv
}

// KLDiagGaussian returns KL(N(mu1, exp(lv1)) ‖ N(mu2, exp(lv2))) for
// diagonal Gaussians, summed over features and averaged over batch
// samples:
//
//	(1/batch) Σ ½(lv2 − lv1 + (exp(lv1) + (mu1 − mu2)²)·exp(−lv2) − 1)
//
// Pass mu2 = lv2 = nil for the standard normal prior. The gradients with
// respect to mu1 and lv1 are written into g1mu and g1lv (either may be
// nil).
func KLDiagGaussian(mu1, lv1, mu2, lv2 []float64, batch int, g1mu, g1lv []float64) float64 {
	n := len(mu1)
	checkLen("KLDiagGaussian lv1", lv1, n)
	inv := 1 / float64(batch)
	s := 0.0
	for i, m1 := range mu1 {
		var m2, l2 float64
		if mu2 != nil {
			m2 = mu2[i]
		}
		if lv2 != nil {
			l2 = lv2[i]
		}
		d := m1 - m2
		iv2 := math.Exp(-l2)
		e1 := math.Exp(lv1[i])
		s += 0.5 * (l2 - lv1[i] + (e1+d*d)*iv2 - 1)
		if g1mu != nil {
			g1mu[i] = d * iv2 * inv
		}
		if g1lv != nil {
			g1lv[i] = 0.5 * (e1*iv2 - 1) * inv
		}
	}
	return s * inv
}
