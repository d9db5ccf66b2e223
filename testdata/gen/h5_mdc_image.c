/* h5_mdc_image.c OUT.h5: a file closed with a metadata cache image
 * (H5Pset_mdc_image_config, HDF5 1.10): libhdf5 writes the cached metadata
 * (object headers, chunk indexes, heaps) into one image block named by a
 * message in the superblock extension and leaves their home addresses
 * unwritten (zeros). Built by generate.sh with gcc and pkg-config hdf5. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                                   \
    if ((x) < 0) {                                                                                 \
        fprintf(stderr, "%s failed\n", #x);                                                        \
        exit(1);                                                                                   \
    }

static void attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate(H5S_SCALAR), a;
    CHECK(H5Tset_size(t, strlen(value)));
    CHECK(a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT));
    CHECK(H5Awrite(a, t, value));
    H5Aclose(a), H5Sclose(s), H5Tclose(t);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT.h5\n", argv[0]);
        return 2;
    }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    CHECK(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST));
    H5AC_cache_image_config_t cfg = {H5AC__CURR_CACHE_IMAGE_CONFIG_VERSION, 1, 0,
                                     H5AC__CACHE_IMAGE__ENTRY_AGEOUT__NONE};
    CHECK(H5Pset_mdc_image_config(fapl, &cfg));
    hid_t f;
    CHECK(f = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, fapl));
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    CHECK(H5Pset_obj_track_times(dcpl, 0));

    /* /values (4,6) f4 contiguous, with an attribute. */
    hsize_t dims[2] = {4, 6};
    hid_t sp = H5Screate_simple(2, dims, NULL), d;
    float v[24];
    for (int i = 0; i < 24; i++)
        v[i] = (float)i * 0.5f;
    CHECK(d = H5Dcreate2(f, "values", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    CHECK(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v));
    attr_str(d, "units", "K");
    H5Dclose(d), H5Sclose(sp);

    /* /grp/counts (10,8) i4, chunks (3,4), deflate: a fixed-array chunk
     * index whose blocks are metadata in the image too. */
    hid_t g;
    CHECK(g = H5Gcreate2(f, "grp", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    attr_str(g, "title", "cache image fixture");
    hsize_t dims2[2] = {10, 8}, chunk[2] = {3, 4};
    int c[80];
    for (int i = 0; i < 80; i++)
        c[i] = i * 7 - 100;
    CHECK(H5Pset_chunk(dcpl, 2, chunk));
    CHECK(H5Pset_deflate(dcpl, 4));
    sp = H5Screate_simple(2, dims2, NULL);
    CHECK(d = H5Dcreate2(g, "counts", H5T_STD_I32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    CHECK(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, c));
    H5Dclose(d), H5Sclose(sp), H5Gclose(g), H5Pclose(dcpl);
    CHECK(H5Fclose(f));
    H5Pclose(fapl);
    return 0;
}
