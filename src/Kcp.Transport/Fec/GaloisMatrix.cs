namespace Kcp.Transport.Fec;

/// <summary>A dense row-major matrix over GF(2^8), only as much as building and inverting coding matrices needs.</summary>
/// <remarks>Used when a codec is created and when a new loss pattern is first decoded, never per byte.</remarks>
internal sealed class GaloisMatrix
{
    private readonly byte[] _cells;

    public GaloisMatrix(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        Rows = rows;
        Columns = columns;
        _cells = new byte[rows * columns];
    }

    public int Rows { get; }

    public int Columns { get; }

    public byte this[int row, int column]
    {
        get => _cells[(row * Columns) + column];
        set => _cells[(row * Columns) + column] = value;
    }

    /// <summary>The cells of one row.</summary>
    public ReadOnlySpan<byte> Row(int row) => _cells.AsSpan(row * Columns, Columns);

    /// <summary>The <paramref name="size"/>×<paramref name="size"/> identity.</summary>
    public static GaloisMatrix Identity(int size)
    {
        var m = new GaloisMatrix(size, size);
        for (int i = 0; i < size; i++)
        {
            m[i, i] = 1;
        }

        return m;
    }

    /// <summary>V[r, c] = r^c, the row index taken as a field element (kcp-wire.md §3.3).</summary>
    public static GaloisMatrix Vandermonde(int rows, int columns)
    {
        var m = new GaloisMatrix(rows, columns);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                m[r, c] = GaloisField.Pow((byte)r, c);
            }
        }

        return m;
    }

    /// <summary>this × <paramref name="right"/>.</summary>
    public GaloisMatrix Multiply(GaloisMatrix right)
    {
        ArgumentNullException.ThrowIfNull(right);
        if (Columns != right.Rows)
        {
            throw new ArgumentException("Inner dimensions differ.", nameof(right));
        }

        var result = new GaloisMatrix(Rows, right.Columns);
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < right.Columns; c++)
            {
                byte sum = 0;
                for (int i = 0; i < Columns; i++)
                {
                    sum ^= GaloisField.Mul(this[r, i], right[i, c]);
                }

                result[r, c] = sum;
            }
        }

        return result;
    }

    /// <summary>A new matrix made of the rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="count"/>).</summary>
    public GaloisMatrix SubRows(int firstRow, int count)
    {
        var result = new GaloisMatrix(count, Columns);
        _cells.AsSpan(firstRow * Columns, count * Columns).CopyTo(result._cells);
        return result;
    }

    /// <summary>A new matrix made of the listed rows, in the order given.</summary>
    public GaloisMatrix SelectRows(ReadOnlySpan<int> rows)
    {
        var result = new GaloisMatrix(rows.Length, Columns);
        SelectRowsInto(rows, result);
        return result;
    }

    /// <summary>Copies the listed rows, in the order given, into <paramref name="target"/> (same column count).</summary>
    public void SelectRowsInto(ReadOnlySpan<int> rows, GaloisMatrix target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Rows != rows.Length || target.Columns != Columns)
        {
            throw new ArgumentException("The target has the wrong shape.", nameof(target));
        }

        for (int i = 0; i < rows.Length; i++)
        {
            Row(rows[i]).CopyTo(target._cells.AsSpan(i * Columns, Columns));
        }
    }

    /// <summary>The inverse by Gauss-Jordan elimination, or <see langword="null"/> when the matrix is singular.</summary>
    public GaloisMatrix? Invert()
    {
        var inverse = new GaloisMatrix(Rows, Columns);
        return TryInvertInto(inverse, new GaloisMatrix(Rows, Columns)) ? inverse : null;
    }

    /// <summary>
    /// Writes the inverse into <paramref name="inverse"/> using <paramref name="work"/> as scratch (both square, same
    /// size), so decoding a new loss pattern allocates nothing; <see langword="false"/> when the matrix is singular.
    /// </summary>
    public bool TryInvertInto(GaloisMatrix inverse, GaloisMatrix work)
    {
        ArgumentNullException.ThrowIfNull(inverse);
        ArgumentNullException.ThrowIfNull(work);
        if (Rows != Columns)
        {
            throw new InvalidOperationException("Only square matrices can be inverted.");
        }

        int n = Rows;
        if (inverse.Rows != n || inverse.Columns != n || work.Rows != n || work.Columns != n || ReferenceEquals(inverse, work))
        {
            throw new ArgumentException("The inverse and scratch matrices must be distinct and of the same size.", nameof(inverse));
        }

        _cells.CopyTo(work._cells, 0);
        Array.Clear(inverse._cells);
        for (int i = 0; i < n; i++)
        {
            inverse[i, i] = 1;
        }

        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            while (pivot < n && work[pivot, col] == 0)
            {
                pivot++;
            }

            if (pivot == n)
            {
                return false;
            }

            if (pivot != col)
            {
                work.SwapRows(pivot, col);
                inverse.SwapRows(pivot, col);
            }

            byte scale = GaloisField.Inverse(work[col, col]);
            work.ScaleRow(col, scale);
            inverse.ScaleRow(col, scale);

            for (int r = 0; r < n; r++)
            {
                byte factor = work[r, col];
                if (r != col && factor != 0)
                {
                    work.AddScaledRow(r, col, factor);
                    inverse.AddScaledRow(r, col, factor);
                }
            }
        }

        return true;
    }

    private void SwapRows(int a, int b)
    {
        Span<byte> rowA = _cells.AsSpan(a * Columns, Columns);
        Span<byte> rowB = _cells.AsSpan(b * Columns, Columns);
        for (int i = 0; i < Columns; i++)
        {
            (rowA[i], rowB[i]) = (rowB[i], rowA[i]);
        }
    }

    private void ScaleRow(int row, byte factor)
    {
        Span<byte> cells = _cells.AsSpan(row * Columns, Columns);
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i] = GaloisField.Mul(cells[i], factor);
        }
    }

    // row[target] ^= factor · row[source]; in characteristic 2 subtraction is addition.
    private void AddScaledRow(int target, int source, byte factor)
    {
        for (int i = 0; i < Columns; i++)
        {
            this[target, i] ^= GaloisField.Mul(factor, this[source, i]);
        }
    }
}
