module github.com/kizuna/sdk-go/conformance

go 1.19

require github.com/kizuna/sdk-go v0.0.0

replace github.com/kizuna/sdk-go => ../../../go
