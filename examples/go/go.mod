module github.com/webraft/webraft/examples/go

go 1.24

require github.com/webraft/webraft/bindings/go v0.0.0

replace github.com/webraft/webraft/bindings/go => ../../bindings/go
