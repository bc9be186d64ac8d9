// Package rescue carries a panic out of a goroutine. A panic that no
// deferred call recovers ends the process with Go's exit 2, which
// heroku-deploy's exit codes reserve for "nothing changed"; the command's
// own recover sees only panics of its goroutine. So every goroutine the
// tool starts defers Guard, and the command line installs, with OnPanic,
// what a panic must do: report it as a bug, with exit 4, or 6 while
// maintenance mode may be on.
package rescue

import "sync/atomic"

var handler atomic.Pointer[func(any)]

// OnPanic sets what a goroutine's panic does. It must not return (it
// exits the process); if it does, the panic goes on.
func OnPanic(h func(r any)) { handler.Store(&h) }

// Guard, deferred first in a goroutine, hands a panic to the OnPanic
// handler; without one, the panic goes on.
func Guard() {
	r := recover()
	if r == nil {
		return
	}
	if h := handler.Load(); h != nil {
		(*h)(r)
	}
	panic(r)
}
