module github.com/webraft/webraft/bindings/go

go 1.24
