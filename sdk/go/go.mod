module github.com/kizuna/sdk-go

go 1.19
