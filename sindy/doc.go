// Package sindy discovers governing equations from data with sparse
// identification of nonlinear dynamics (SINDy, Brunton, Proctor & Kutz
// 2016).
package sindy
