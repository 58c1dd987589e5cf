Console.WriteLine("platform");
