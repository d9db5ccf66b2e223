package codec

// Fletcher32 is HDF5's H5_checksum_fletcher32, which the fletcher32 filter
// stores after the data (little-endian) and numcodecs.Fletcher32 copies.
// The data is read as 16-bit big-endian words (an odd last byte is the high
// byte of a final word) and the sums are folded to 16 bits every 360 words,
// before they can overflow 32 bits. Zero sums are not mapped to 0xffff, so
// the result differs from textbook Fletcher-32.
func Fletcher32(data []byte) uint32 {
	var sum1, sum2 uint32
	words := len(data) / 2
	for words > 0 {
		block := min(words, 360)
		words -= block
		for range block {
			sum1 += uint32(data[0])<<8 | uint32(data[1])
			sum2 += sum1
			data = data[2:]
		}
		sum1 = sum1&0xffff + sum1>>16
		sum2 = sum2&0xffff + sum2>>16
	}
	if len(data) == 1 {
		sum1 += uint32(data[0]) << 8
		sum2 += sum1
		sum1 = sum1&0xffff + sum1>>16
		sum2 = sum2&0xffff + sum2>>16
	}
	sum1 = sum1&0xffff + sum1>>16
	sum2 = sum2&0xffff + sum2>>16
	return sum2<<16 | sum1
}
