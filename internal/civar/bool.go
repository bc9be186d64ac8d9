package civar

import (
	"fmt"
	"strings"
)

// Bool reads a switch from variable name, whose value is raw, the ways
// people write one: empty, 0, false, no, off, or 1, true, yes, on.
func Bool(name, raw string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, fmt.Errorf("%s=%q: want true or false (1/0, yes/no, on/off)", name, raw)
}
