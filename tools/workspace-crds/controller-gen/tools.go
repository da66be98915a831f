//go:build tools

// Pins controller-gen in this module (go build sigs.k8s.io/controller-tools/cmd/controller-gen).
package tools

import _ "sigs.k8s.io/controller-tools/cmd/controller-gen"
