Console.WriteLine("kcpcat");
